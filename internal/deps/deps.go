// Package deps pins modules the work in progress is about to use; delete it once they are imported for real.
package deps

import (
	_ "github.com/a-h/templ"
	_ "github.com/blevesearch/bleve/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/trustelem/zxcvbn"
	_ "golang.org/x/crypto/acme/autocert"
)
