package collector

import (
	"net/http"
	"strconv"
	"strings"
)

// pixel is the 43-byte transparent 1×1 GIF every GET tracking response carries.
var pixel = [43]byte{
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0xf0, 0x00, 0x00, 0xff, 0xff,
	0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
}

// robotsTxt is the /robots.txt body; it has no trailing newline.
const robotsTxt = "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nDisallow: /\n\nUser-agent: AdsBot-Google\nDisallow: /"

// writeText answers with a plain-text body.
func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writePixel answers 200 with the GIF (HEAD: headers only).
func writePixel(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(pixel)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pixel[:])
}

// crossDomainXML renders the /crossdomain.xml policy, one line per domain.
func crossDomainXML(cfg CrossDomainConfig) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<cross-domain-policy>\n")
	for _, d := range cfg.Domains {
		b.WriteString(`<allow-access-from domain="`)
		b.WriteString(xmlAttr(d))
		b.WriteString(`" secure="`)
		b.WriteString(strconv.FormatBool(cfg.Secure))
		b.WriteString("\" />\n")
	}
	b.WriteString("</cross-domain-policy>")
	return b.String()
}

// xmlAttr escapes s for a double-quoted XML attribute.
func xmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
