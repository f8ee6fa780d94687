package event

// AppendPartialJSON appends the event as the partially-enriched event of bad rows
// (enriched-event.md §11.4): all 131 keys with enrich names, nulls kept; int columns
// (except txn_id) and the boolean columns as JSON numbers, geo_latitude/geo_longitude as
// numbers, everything else as strings — timestamps in TSV form and the JSON columns as
// JSON-encoded strings of their TSV form.
func (e *Event) AppendPartialJSON(dst []byte) []byte {
	dst = append(dst, '{')
	var scratch []byte
	for f := range NumFields {
		if f > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, enrichKeys[f]...)
		s := e.v[f]
		if s == "" {
			dst = append(dst, "null"...)
			continue
		}
		ok := true
		switch Fields[f].Kind {
		case KindInt:
			if Field(f) == TxnID {
				dst = AppendJSONString(dst, s)
				continue
			}
			dst, ok = appendJSONInt(dst, s)
		case KindBool:
			switch s {
			case "1", "0":
				dst = append(dst, s...)
			default:
				ok = false
			}
		case KindFloat:
			if ok = isJSONNumber(s); ok {
				dst = append(dst, s...)
			}
		case KindContexts:
			if !hasEntities(s) {
				ok = false
				break
			}
			scratch = appendWrapped(scratch[:0], ContextsSchemaTSV, s)
			dst = AppendJSONString(dst, string(scratch))
		case KindUnstruct:
			scratch = appendWrapped(scratch[:0], UnstructSchema, s)
			dst = AppendJSONString(dst, string(scratch))
		default:
			dst = AppendJSONString(dst, s)
		}
		if !ok {
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}')
}
