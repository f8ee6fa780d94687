package event

// TSV returns the event as one enriched-TSV record (enriched-event.md §11.1): 131 fields
// joined by tabs, no trailing newline.
func (e *Event) TSV() []byte { return e.AppendTSV(make([]byte, 0, 1024)) }

// AppendTSV appends the enriched-TSV record of the event to dst. Null fields are empty;
// contexts, derived_contexts and unstruct_event are wrapped in their self-describing
// envelopes. Every column is tsv-cleaned on output so that a record can never contain a
// tab or a line break of its own.
func (e *Event) AppendTSV(dst []byte) []byte {
	for f := range NumFields {
		if f > 0 {
			dst = append(dst, '\t')
		}
		s := e.v[f]
		if s == "" {
			continue
		}
		switch Fields[f].Kind {
		case KindContexts:
			if hasEntities(s) {
				dst = append(dst, `{"schema":"`+ContextsSchemaTSV+`","data":`...)
				dst = appendCleanTSV(dst, s)
				dst = append(dst, '}')
			}
		case KindUnstruct:
			dst = append(dst, `{"schema":"`+UnstructSchema+`","data":`...)
			dst = appendCleanTSV(dst, s)
			dst = append(dst, '}')
		default:
			dst = appendCleanTSV(dst, s)
		}
	}
	return dst
}

// appendCleanTSV appends CleanTSV(s) without allocating.
func appendCleanTSV(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isCtl(c) {
			continue
		}
		dst = append(dst, s[start:i]...)
		if c == '\t' {
			dst = append(dst, "    "...)
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}
