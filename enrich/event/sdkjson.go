package event

// sdkKeys and enrichKeys hold the pre-rendered `"name":` prefix of every field, for the
// analytics-SDK JSON and the partially-enriched (enrich-named) JSON. They are never
// written after initialisation.
var sdkKeys, enrichKeys = func() (sdk, enr [NumFields]string) {
	for f, fi := range Fields {
		sdk[f] = string(AppendJSONString(nil, fi.SDKName)) + ":"
		enr[f] = string(AppendJSONString(nil, fi.Name)) + ":"
	}
	return sdk, enr
}()

// AppendSDKJSON appends the event as analytics-SDK JSON (enriched-event.md §11.2; Micro's
// `event` object): all 131 keys in canonical order with SDK names, nulls kept, numbers and
// booleans typed, timestamps in Java-Instant ISO form, contexts wrapped (or {}) and
// unstruct_event wrapped (or null).
//
// contexts, derived_contexts and unstruct_event must hold valid JSON, as the pipeline
// guarantees; other values that do not fit their kind are rendered as null.
func (e *Event) AppendSDKJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for f := range NumFields {
		if f > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, sdkKeys[f]...)
		dst = e.appendSDKValue(dst, Field(f))
	}
	return append(dst, '}')
}

// appendSDKValue appends the analytics-SDK JSON rendering of field f.
func (e *Event) appendSDKValue(dst []byte, f Field) []byte {
	s := e.v[f]
	kind := Fields[f].Kind
	if s == "" {
		if kind == KindContexts {
			return append(dst, '{', '}')
		}
		return append(dst, "null"...)
	}
	ok := true
	switch kind {
	case KindString:
		return AppendJSONString(dst, s)
	case KindInt:
		dst, ok = appendJSONInt(dst, s)
	case KindDouble, KindFloat:
		dst, ok = appendJavaDouble(dst, s)
	case KindBool:
		switch s {
		case "1":
			return append(dst, "true"...)
		case "0":
			return append(dst, "false"...)
		}
		ok = false
	case KindTimestamp:
		n := len(dst)
		if dst, ok = appendInstant(append(dst, '"'), s); ok {
			return append(dst, '"')
		}
		dst = dst[:n]
	case KindContexts:
		if !hasEntities(s) {
			return append(dst, '{', '}')
		}
		return appendWrapped(dst, ContextsSchemaSDK, s)
	case KindUnstruct:
		return appendWrapped(dst, UnstructSchema, s)
	}
	if !ok {
		return append(dst, "null"...)
	}
	return dst
}
