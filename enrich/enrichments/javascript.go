package enrichments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Wrapper schemas of the JSON columns as scripts see them.
const (
	contextsSchema = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
	unstructSchema = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
)

// javaScript is the javascript_script_config enrichment (enrichments.md §3.10).
type javaScript struct {
	base
	prog    *goja.Program
	params  string // the config object as JSON, passed to process as params
	timeout time.Duration
	free    chan *jsVM // idle runtimes with the script loaded

	mu     sync.Mutex // guards closed
	closed bool
}

// jsVM is one runtime with the script loaded.
type jsVM struct {
	rt      *goja.Runtime
	process goja.Callable
	parse   goja.Callable // JSON.parse
	json    goja.Value
	stringf goja.Callable // JSON.stringify
	event   *goja.Object  // the accessor object, bound to cur
	cur     *event.Event  // the event being enriched
	in      *enrich.Input // the derived contexts so far, for getDerived_contexts()
	dropped bool          // set by event.drop()
	erased  bool          // set by event.eraseDerived_contexts()
}

// javaScriptParams are the parameters of javascript_script_config.
type javaScriptParams struct {
	Script *string         `json:"script"`
	Config json.RawMessage `json:"config"`
}

// buildJavaScript checks a javascript_script_config config (or a Micro *.js file) and
// compiles its script.
func buildJavaScript(b *builder, c *config) (enrich.Enrichment, error) {
	src := string(c.script)
	params := "{}"
	if c.script == nil {
		var p javaScriptParams
		if err := c.params(&p); err != nil {
			return nil, err
		}
		if p.Script == nil {
			return nil, fieldErr("script", "is required")
		}
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*p.Script))
		if err != nil {
			return nil, fieldErr("script", "must be base64-encoded JavaScript: %v", err)
		}
		src = string(dec)
		if len(p.Config) > 0 && string(p.Config) != "null" {
			if p.Config[0] != '{' {
				return nil, fieldErr("config", "must be an object")
			}
			params = string(p.Config)
		}
	}
	prog, err := goja.Compile(c.src, src, false)
	if err != nil {
		return nil, fmt.Errorf("compile script: %w", err)
	}
	js := &javaScript{base: newBase(c, enrich.StepJavaScript), prog: prog, params: params,
		timeout: b.opts.ScriptTimeout, free: make(chan *jsVM, jsIdleVMs)}
	if js.timeout <= 0 {
		js.timeout = DefaultScriptTimeout
	}
	vm, err := js.newVM()
	if err != nil {
		return nil, err
	}
	js.put(vm)
	return js, nil
}

// jsIdleVMs is how many idle runtimes a JavaScript enrichment keeps for reuse.
const jsIdleVMs = 16

// get returns an idle runtime, or a new one.
func (js *javaScript) get() (*jsVM, error) {
	select {
	case vm := <-js.free:
		return vm, nil
	default:
		return js.newVM()
	}
}

// put keeps a runtime for reuse unless the enrichment is closed or enough are kept.
func (js *javaScript) put(vm *jsVM) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.closed {
		return
	}
	select {
	case js.free <- vm:
	default:
	}
}

// Close drops the idle runtimes; calls in flight finish normally and their runtimes are
// then dropped too.
func (js *javaScript) Close() error {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.closed = true
	for {
		select {
		case <-js.free:
		default:
			return nil
		}
	}
}

// newVM creates a runtime, runs the script and finds its process function.
func (js *javaScript) newVM() (vm *jsVM, err error) {
	rt := goja.New()
	timer := time.AfterFunc(js.timeout, func() { rt.Interrupt("script timed out while loading") })
	defer timer.Stop()
	if _, err := rt.RunProgram(js.prog); err != nil {
		return nil, fmt.Errorf("run script: %w", err)
	}
	process, ok := goja.AssertFunction(rt.Get("process"))
	if !ok {
		return nil, errors.New("the script must define a function process(event)")
	}
	jsonObj := rt.Get("JSON").ToObject(rt)
	parse, _ := goja.AssertFunction(jsonObj.Get("parse"))
	stringify, _ := goja.AssertFunction(jsonObj.Get("stringify"))
	vm = &jsVM{rt: rt, process: process, parse: parse, json: jsonObj, stringf: stringify}
	vm.event = newJSEvent(vm)
	return vm, nil
}

// Enrich implements enrich.Enrichment: it runs process(event, params, headers) with a
// time limit and returns the contexts the script returns. After eraseDerived_contexts()
// the contexts of the earlier enrichments are removed, so only the script's remain.
func (js *javaScript) Enrich(ctx context.Context, e *event.Event, in *enrich.Input) (out []json.RawMessage, err error) {
	raw := in.RawEvent()
	vm, err := js.get()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("Error during execution of JavaScript function: %v", r)
			vm = nil // the runtime may be in a broken state
		}
		if vm != nil {
			vm.rt.ClearInterrupt()
			vm.cur, vm.in = nil, nil
			js.put(vm)
		}
	}()
	rt := vm.rt
	vm.cur, vm.in, vm.dropped, vm.erased = e, in, false, false
	params, err := vm.parse(vm.json, rt.ToValue(js.params))
	if err != nil {
		return nil, fmt.Errorf("Error during execution of JavaScript function: %w", err)
	}
	var headers []string
	if raw != nil && raw.Payload != nil {
		headers = raw.Payload.Headers
	}
	hv := make([]any, len(headers))
	for i, h := range headers {
		hv[i] = h
	}
	stop := context.AfterFunc(ctx, func() { rt.Interrupt("context canceled") })
	defer stop()
	timer := time.AfterFunc(js.timeout, func() { rt.Interrupt(fmt.Sprintf("script timed out after %s", js.timeout)) })
	res, err := vm.process(goja.Undefined(), vm.event, params, rt.NewArray(hv...))
	timer.Stop()
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return nil, fmt.Errorf("Error during execution of JavaScript function: [%s]", ex.Value().String())
		}
		return nil, fmt.Errorf("Error during execution of JavaScript function: [%v]", err)
	}
	if vm.dropped {
		return nil, enrich.ErrDrop
	}
	out, err = js.contexts(vm, res)
	if err == nil && vm.erased && in != nil {
		in.Derived = nil
	}
	return out, err
}

// contexts turns the value process returned into derived contexts.
func (js *javaScript) contexts(vm *jsVM, res goja.Value) ([]json.RawMessage, error) {
	if res == nil || goja.IsUndefined(res) || goja.IsNull(res) {
		return nil, nil
	}
	if _, isArray := res.Export().([]any); !isArray {
		return nil, fmt.Errorf("JavaScript function must return an array of self-describing JSONs or null, not %s", res.String())
	}
	s, err := vm.stringf(vm.json, res)
	if err != nil {
		return nil, fmt.Errorf("JavaScript function returned a value that cannot be serialised as JSON: %w", err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(s.String()), &list); err != nil {
		return nil, fmt.Errorf("JavaScript function returned invalid JSON: %w", err)
	}
	for i, c := range list {
		var sdj struct {
			Schema *string          `json:"schema"`
			Data   *json.RawMessage `json:"data"`
		}
		if json.Unmarshal(c, &sdj) != nil || sdj.Schema == nil || sdj.Data == nil {
			return nil, fmt.Errorf("JavaScript function returned element %d that is not a self-describing JSON: %s", i, c)
		}
	}
	return list, nil
}

// newJSEvent builds the script's view of the event: bean-style getX/setX accessors per
// atomic field (getApp_id, setApp_id), drop() and eraseDerived_contexts().
func newJSEvent(vm *jsVM) *goja.Object {
	rt := vm.rt
	obj := rt.NewObject()
	for f := range event.Field(event.NumFields) {
		info := event.Fields[f]
		name := strings.ToUpper(info.Name[:1]) + info.Name[1:]
		_ = obj.Set("get"+name, func(goja.FunctionCall) goja.Value { return jsGet(rt, vm.cur, f, info.Kind) })
		_ = obj.Set("set"+name, func(call goja.FunctionCall) goja.Value {
			jsSet(vm.cur, f, info.Kind, call.Argument(0))
			return goja.Undefined()
		})
	}
	_ = obj.Set("drop", func(goja.FunctionCall) goja.Value { vm.dropped = true; return goja.Undefined() })
	// derived_contexts is not set yet while enrichments run: the script sees the contexts
	// of the earlier enrichments, and setting it has no effect, as upstream.
	_ = obj.Set("getDerived_contexts", func(goja.FunctionCall) goja.Value {
		d := vm.in.DerivedContexts()
		if len(d) == 0 {
			return goja.Null()
		}
		b := []byte(`{"schema":"` + contextsSchema + `","data":[`)
		for i, c := range d {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, c...)
		}
		return rt.ToValue(string(append(b, "]}"...)))
	})
	_ = obj.Set("setDerived_contexts", func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	_ = obj.Set("eraseDerived_contexts", func(goja.FunctionCall) goja.Value { vm.erased = true; return goja.Undefined() })
	return obj
}

// jsGet renders a field for a script: null, a number for numeric kinds, a JSON string
// (with its Snowplow wrapper) for JSON columns, else a string.
func jsGet(rt *goja.Runtime, e *event.Event, f event.Field, k event.Kind) goja.Value {
	v := e.Get(f)
	if v == "" {
		return goja.Null()
	}
	switch k {
	case event.KindInt, event.KindDouble, event.KindFloat:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return rt.ToValue(n)
		}
	case event.KindBool:
		return rt.ToValue(v == "1")
	case event.KindContexts:
		return rt.ToValue(`{"schema":"` + contextsSchema + `","data":` + v + `}`)
	case event.KindUnstruct:
		return rt.ToValue(`{"schema":"` + unstructSchema + `","data":` + v + `}`)
	}
	return rt.ToValue(v)
}

// jsSet stores a script's value in a field; null and undefined clear it.
func jsSet(e *event.Event, f event.Field, k event.Kind, v goja.Value) {
	if v == nil || goja.IsNull(v) || goja.IsUndefined(v) {
		e.Set(f, "")
		return
	}
	switch k {
	case event.KindBool:
		if b, ok := v.Export().(bool); ok {
			e.Set(f, map[bool]string{true: "1", false: "0"}[b])
			return
		}
	case event.KindContexts, event.KindUnstruct:
		e.Set(f, unwrapJSON(v.String()))
		return
	}
	switch x := v.Export().(type) {
	case int64:
		e.Set(f, strconv.FormatInt(x, 10))
	case float64:
		e.Set(f, strconv.FormatFloat(x, 'f', -1, 64))
	default:
		e.Set(f, v.String())
	}
}

// unwrapJSON returns the data of a contexts or unstruct_event wrapper, or s itself.
func unwrapJSON(s string) string {
	var w struct {
		Schema string          `json:"schema"`
		Data   json.RawMessage `json:"data"`
	}
	if json.Unmarshal([]byte(s), &w) == nil && (strings.HasPrefix(w.Schema, "iglu:com.snowplowanalytics.snowplow/contexts/") ||
		strings.HasPrefix(w.Schema, "iglu:com.snowplowanalytics.snowplow/unstruct_event/")) && len(w.Data) > 0 {
		return string(w.Data)
	}
	return s
}
