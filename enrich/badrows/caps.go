package badrows

import "unicode/utf8"

// Length caps of the bad-row schemas (bad-rows.md §1), in characters.
const (
	capCollector   = 32
	capEncoding    = 32
	capVendor      = 64
	capVersion     = 16
	capParam       = 512
	capHeader      = 8192
	capField       = 64
	capExpectation = 256
	capError       = 512
	capIdentifier  = 256
	capActual      = 256
	capContentType = 256
	capHostname    = 8192
	capIPAddress   = 128
	capUserAgent   = 4096
	capReferer     = 8192
	capRepoMessage = 256
)

// truncate cuts s to at most max characters (code points, as JSON Schema counts them),
// ending a cut value with "…" inside the cap.
func truncate(s string, max int) string {
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// truncatePtr is truncate for optional values.
func truncatePtr(s *string, max int) *string {
	if s == nil {
		return nil
	}
	t := truncate(*s, max)
	return &t
}

// capMessage returns a copy of a message with the fields its schema caps truncated.
func capMessage(m any) any {
	switch v := m.(type) {
	case InputData:
		v.Field = truncate(v.Field, capField)
		v.Expectation = truncate(v.Expectation, capExpectation)
		return v
	case *InputData:
		return capMessage(*v)
	case NotJSON:
		v.Field = truncate(v.Field, capField)
		return v
	case *NotJSON:
		return capMessage(*v)
	case SchemaMapping:
		v.Actual = truncatePtr(v.Actual, capActual)
		v.Expectation = truncate(v.Expectation, capExpectation)
		return v
	case *SchemaMapping:
		return capMessage(*v)
	case IgluError:
		v.Error = capClientError(v.Error)
		return v
	case *IgluError:
		return capMessage(*v)
	case ErrorMessage:
		v.Error = truncate(v.Error, capError)
		return v
	case *ErrorMessage:
		return capMessage(*v)
	case LoaderMessage:
		v.Error = truncate(v.Error, capError)
		v.PayloadField = truncate(v.PayloadField, capField)
		v.Expectation = truncate(v.Expectation, capExpectation)
		return v
	case *LoaderMessage:
		return capMessage(*v)
	case EnrichmentMessage:
		if v.Enrichment != nil {
			info := *v.Enrichment
			info.Identifier = truncate(info.Identifier, capIdentifier)
			v.Enrichment = &info
		}
		v.Message = capMessage(v.Message)
		return v
	case *EnrichmentMessage:
		return capMessage(*v)
	}
	return m
}

// capClientError truncates the repository error messages of a lookup history.
func capClientError(ce ClientError) ClientError {
	if len(ce.LookupHistory) == 0 {
		return ce
	}
	lh := make([]LookupHistory, len(ce.LookupHistory))
	for i, h := range ce.LookupHistory {
		errs := make([]RegistryError, len(h.Errors))
		for j, e := range h.Errors {
			e.Message = truncate(e.Message, capRepoMessage)
			errs[j] = e
		}
		h.Errors = errs
		lh[i] = h
	}
	ce.LookupHistory = lh
	return ce
}
