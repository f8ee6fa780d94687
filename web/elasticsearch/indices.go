package elasticsearch

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store/index"
)

// The two indices of Snowplow Mini, as its Elasticsearch loaders filled them.
const (
	indexGood = "good" // good events
	indexBad  = "bad"  // bad rows, including those of incomplete events
)

// allIndices are the indices, in the order _cat/indices lists them.
var allIndices = []string{indexGood, indexBad}

// kindsOf are the record kinds each index holds.
var kindsOf = map[string][]string{
	indexGood: {index.KindGood},
	indexBad:  {index.KindIncomplete, index.KindBad},
}

// indices resolves an index expression of a path: one name, a comma-separated list,
// or _all / * for both. An unknown name is answered 404, as by Elasticsearch.
func (a *api) indices(c *gin.Context, expr string) ([]string, bool) {
	var names []string
	for _, name := range strings.Split(expr, ",") {
		switch {
		case name == "_all" || name == "*":
			return allIndices, true
		case kindsOf[name] != nil:
			if !contains(names, name) {
				names = append(names, name)
			}
		default:
			writeIndexNotFound(c, name)
			return nil, false
		}
	}
	return names, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kinds returns the record kinds of the indices names.
func kinds(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, kindsOf[n]...)
	}
	return out
}

// indexOfKind is the index a record kind belongs to.
func indexOfKind(kind string) string {
	if kind == index.KindGood {
		return indexGood
	}
	return indexBad
}

// writeIndexNotFound answers an unknown index as Elasticsearch 7 does.
func writeIndexNotFound(c *gin.Context, name string) {
	reason := fmt.Sprintf("no such index [%s]", name)
	cause := gin.H{"type": "index_not_found_exception", "reason": reason, "resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name}
	c.JSON(http.StatusNotFound, gin.H{
		"error":  gin.H{"root_cause": []gin.H{cause}, "type": "index_not_found_exception", "reason": reason, "resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name},
		"status": http.StatusNotFound,
	})
}

// writeError answers an Elasticsearch error: {"error":{"root_cause":[…],"type","reason"},"status"}.
func writeError(c *gin.Context, status int, typ, reason string) {
	cause := gin.H{"type": typ, "reason": reason}
	c.JSON(status, gin.H{
		"error":  gin.H{"root_cause": []gin.H{cause}, "type": typ, "reason": reason},
		"status": status,
	})
}

// indexInfo answers GET /elasticsearch/{index}: the indices' (empty) aliases and
// mappings and their settings, so that scripts can check that an index exists.
func (a *api) indexInfo(c *gin.Context, names []string) {
	out := gin.H{}
	for _, n := range names {
		out[n] = gin.H{
			"aliases":  gin.H{},
			"mappings": gin.H{},
			"settings": gin.H{"index": gin.H{"number_of_shards": "1", "number_of_replicas": "0", "provided_name": n, "uuid": "plowbox-" + n}},
		}
	}
	c.JSON(http.StatusOK, out)
}
