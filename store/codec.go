package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// The on-disk encodings are plowbox's own and owned by this package, so that a change to
// another package's serialisation can never make stored data unreadable.
//
// record  = version:1 stage:1 payloadSeq:uvarint eventID:str body(recordBody)
// recordBody = flags:1 [replayOf:uvarint] [raw] [event] [badRow] [run:str] [plan:str]
// raw     = vendor:str version:str n:uvarint n×(name:str hasValue:1 [value:str])
// event   = n:uvarint n×(field:uvarint value:str)   (only fields that are set)
// badRow  = bytes:str
// payload = version:1 timestamp:varint(unix seconds) uvarint(nanoseconds) body(strings…)  (see appendPayload)
// body(x) = tag:1 bytes: x raw, or x compressed with zstd (compress.go), from format 5
//           with the store's dictionary once it has one (dict.go)
// str     = len:uvarint bytes
//
// The headers stay uncompressed so that retention and listings read a record's stage,
// payload and event_id (empty for payload-level failures), and a payload's time, without
// decompressing anything.

// recordVersion is the version byte leading every encoded record. Version 1 (format 1)
// had no replayOf; version 2 (format 2) stored the body uncompressed, without its tag;
// version 3 (format 3) had no event_id in the header.
const recordVersion = 4

// payloadVersion is the version byte leading every encoded payload. Version 1 (formats
// 1 and 2) stored the strings uncompressed, without their tag.
const payloadVersion = 2

// Record flags say which optional parts follow.
const (
	flagRaw    = 1 << 0
	flagEvent  = 1 << 1
	flagBadRow = 1 << 2
	flagReplay = 1 << 3 // replayOf follows: the record came from replaying that bad row
	flagRun    = 1 << 4 // the test run follows
	flagPlan   = 1 << 5 // the tracking-plan verdict follows
)

// errCorrupt reports an undecodable value.
var errCorrupt = errors.New("corrupt value")

// appendStr appends s with its length.
func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendOpt appends an optional string: a presence byte, then the string when present.
func appendOpt(b []byte, s *string) []byte {
	if s == nil {
		return append(b, 0)
	}
	return appendStr(append(b, 1), *s)
}

// appendRecord appends the encoding of output o, whose payload has sequence payloadSeq.
func (c *compressor) appendRecord(b []byte, o *enrich.Output, payloadSeq uint64) []byte {
	return c.appendReplayRecord(b, o, payloadSeq, 0)
}

// appendReplayRecord is appendRecord for a record that replaced bad row replayOf; 0 means
// none.
func (c *compressor) appendReplayRecord(b []byte, o *enrich.Output, payloadSeq, replayOf uint64) []byte {
	b = appendRecordHead(b, o.Stage, payloadSeq, outputEventID(o))
	return c.appendBody(b, appendRecordBody(nil, o, replayOf))
}

// appendRecordHead appends the uncompressed header of a record of the current encoding.
func appendRecordHead(b []byte, st enrich.Stage, payloadSeq uint64, eventID string) []byte {
	b = binary.AppendUvarint(append(b, recordVersion, byte(st)), payloadSeq)
	return appendStr(b, eventID)
}

// appendRecordHeadV3 appends the header of a record of encoding 3 (migration tests).
func appendRecordHeadV3(b []byte, st enrich.Stage, payloadSeq uint64) []byte {
	return binary.AppendUvarint(append(b, 3, byte(st)), payloadSeq)
}

// outputEventID is the event_id of o's event, empty when o has none.
func outputEventID(o *enrich.Output) string {
	if o.Event == nil {
		return ""
	}
	return o.Event.Get(event.EventID)
}

// encodedResult is a result encoded and compressed ahead of its write, in the writing
// goroutine, so that the store's single writer goroutine only copies bytes into bbolt.
type encodedResult struct {
	payload []byte   // the payload's value
	bodies  [][]byte // each output's record body, tagged; the header needs sequences
}

// encodeResult encodes r, none of whose outputs replaces a bad row.
func (c *compressor) encodeResult(r *enrich.Result) *encodedResult {
	e := &encodedResult{payload: c.appendPayload(nil, r.Payload), bodies: make([][]byte, len(r.Outputs))}
	var scratch []byte
	for i := range r.Outputs {
		scratch = appendRecordBody(scratch[:0], &r.Outputs[i], 0)
		e.bodies[i] = c.appendBody(nil, scratch)
	}
	return e
}

// appendRecordBody appends the uncompressed body of a record.
func appendRecordBody(b []byte, o *enrich.Output, replayOf uint64) []byte {
	var flags byte
	if replayOf != 0 {
		flags |= flagReplay
	}
	if o.Raw != nil {
		flags |= flagRaw
	}
	if o.Event != nil {
		flags |= flagEvent
	}
	if o.BadRow != nil {
		flags |= flagBadRow
	}
	if o.Run != "" {
		flags |= flagRun
	}
	if o.Plan != nil {
		flags |= flagPlan
	}
	b = append(b, flags)
	if replayOf != 0 {
		b = binary.AppendUvarint(b, replayOf)
	}
	if o.Raw != nil {
		b = appendStr(b, o.Raw.Vendor)
		b = appendStr(b, o.Raw.Version)
		b = binary.AppendUvarint(b, uint64(len(o.Raw.Params)))
		for _, p := range o.Raw.Params {
			b = appendStr(b, p.Name)
			b = appendOpt(b, p.Value)
		}
	}
	if o.Event != nil {
		n := 0
		for f := range event.NumFields {
			if o.Event.IsSet(event.Field(f)) {
				n++
			}
		}
		b = binary.AppendUvarint(b, uint64(n))
		for f := range event.NumFields {
			if v := o.Event.Get(event.Field(f)); v != "" {
				b = binary.AppendUvarint(b, uint64(f))
				b = appendStr(b, v)
			}
		}
	}
	if o.BadRow != nil {
		b = appendStr(b, string(o.BadRow))
	}
	if o.Run != "" {
		b = appendStr(b, o.Run)
	}
	if o.Plan != nil {
		b = appendStr(b, string(o.Plan))
	}
	return b
}

// decoder reads the primitive values of an encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// raw returns the next length-prefixed bytes, aliasing the input.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// time reads seconds and nanoseconds since the Unix epoch, as UTC.
func (d *decoder) time() time.Time {
	sec := d.varint()
	ns := d.uvarint()
	if ns >= 1e9 {
		d.fail()
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) opt() *string {
	switch d.byte() {
	case 0:
		return nil
	case 1:
		s := d.str()
		return &s
	}
	d.fail()
	return nil
}

// decodeRecord decodes an encoded record into rec, copying every value out of b. It
// returns the sequence of the record's payload, which the caller attaches.
func (c *compressor) decodeRecord(b []byte, rec *Record) (payloadSeq uint64, err error) {
	d := decoder{b: b}
	h, err := recordHeadOf(&d, recordVersion)
	if err != nil {
		return 0, err
	}
	body, err := c.openBody(d.b, nil)
	if err != nil {
		return 0, err
	}
	rec.Stage = h.stage
	return h.payloadSeq, decodeRecordBody(body, rec)
}

// recordHeader is the uncompressed header of a record.
type recordHeader struct {
	stage      enrich.Stage
	payloadSeq uint64
	eventID    []byte // aliases the encoding; empty for payload-level failures and below encoding 4
}

// recordHeadOf decodes the header of a record of encoding version, which the record must
// have, leaving d at the body.
func recordHeadOf(d *decoder, version byte) (recordHeader, error) {
	var h recordHeader
	if v := d.byte(); d.err == nil && v != version {
		return h, fmt.Errorf("record encoding version %d is not supported", v)
	}
	h.stage = enrich.Stage(d.byte())
	h.payloadSeq = d.uvarint()
	if version >= 4 {
		h.eventID = d.raw()
	}
	if d.err == nil && h.stage > enrich.StageValidation {
		return h, fmt.Errorf("record stage %d: %w", h.stage, errCorrupt)
	}
	return h, d.err
}

// decodeRecordBody decodes the uncompressed body of a record into rec.
func decodeRecordBody(b []byte, rec *Record) error {
	d := decoder{b: b}
	flags := d.byte()
	if flags&^(flagRaw|flagEvent|flagBadRow|flagReplay|flagRun|flagPlan) != 0 {
		d.fail()
	}
	if flags&flagReplay != 0 {
		if rec.ReplayOf = d.uvarint(); rec.ReplayOf == 0 {
			d.fail()
		}
	}
	if flags&flagRaw != 0 {
		raw := &event.RawEvent{Vendor: d.str(), Version: d.str()}
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.fail()
		} else if n > 0 {
			raw.Params = make(event.Params, n)
			for i := range raw.Params {
				raw.Params[i] = event.Param{Name: d.str(), Value: d.opt()}
			}
		}
		rec.Raw = raw
	}
	if flags&flagEvent != 0 {
		ev := new(event.Event)
		n := d.uvarint()
		for range n {
			f := d.uvarint()
			v := d.str()
			if f >= uint64(event.NumFields) {
				d.fail()
				break
			}
			ev.Set(event.Field(f), v)
		}
		rec.Event = ev
	}
	if flags&flagBadRow != 0 {
		rec.BadRow = []byte(d.str())
	}
	if flags&flagRun != 0 {
		rec.Run = d.str()
	}
	if flags&flagPlan != 0 {
		rec.Plan = []byte(d.str())
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return d.err
}

// recordHead decodes only the header of an encoded record.
func recordHead(b []byte) (recordHeader, error) {
	return recordHeadOf(&decoder{b: b}, recordVersion)
}

// appendPayload appends the encoding of p.
func (c *compressor) appendPayload(b []byte, p *collector.Payload) []byte {
	b = appendPayloadHead(b, payloadVersion, p.Timestamp)
	return c.appendBody(b, appendPayloadBody(nil, p))
}

// appendPayloadHead appends the uncompressed header of a payload: version and time.
func appendPayloadHead(b []byte, version byte, t time.Time) []byte {
	b = append(b, version)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// appendPayloadBody appends the uncompressed body of a payload: every field but the time.
func appendPayloadBody(b []byte, p *collector.Payload) []byte {
	b = appendStr(b, p.Schema)
	b = appendStr(b, p.IPAddress)
	b = appendStr(b, p.Encoding)
	b = appendStr(b, p.Collector)
	b = appendOpt(b, p.UserAgent)
	b = appendOpt(b, p.RefererURI)
	b = appendStr(b, p.Path)
	b = appendStr(b, p.Querystring)
	b = appendOpt(b, p.Body)
	if p.Headers == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(p.Headers))+1)
		for _, h := range p.Headers {
			b = appendStr(b, h)
		}
	}
	b = appendOpt(b, p.ContentType)
	b = appendOpt(b, p.Hostname)
	b = appendOpt(b, p.NetworkUserID)
	return b
}

// decodePayload decodes an encoded payload, copying every value out of b.
func (c *compressor) decodePayload(b []byte) (*collector.Payload, error) {
	d := decoder{b: b}
	t, err := payloadHeadOf(&d, payloadVersion)
	if err != nil {
		return nil, err
	}
	body, err := c.openBody(d.b, nil)
	if err != nil {
		return nil, err
	}
	p := &collector.Payload{Timestamp: t}
	if err := decodePayloadBody(body, p); err != nil {
		return nil, err
	}
	return p, nil
}

// payloadHeadOf decodes the header of a payload of encoding version, which the payload
// must have, leaving d at the body.
func payloadHeadOf(d *decoder, version byte) (time.Time, error) {
	if v := d.byte(); d.err == nil && v != version {
		return time.Time{}, fmt.Errorf("payload encoding version %d is not supported", v)
	}
	t := d.time()
	return t, d.err
}

// decodePayloadBody decodes the uncompressed body of a payload into p.
func decodePayloadBody(b []byte, p *collector.Payload) error {
	d := decoder{b: b}
	p.Schema = d.str()
	p.IPAddress = d.str()
	p.Encoding = d.str()
	p.Collector = d.str()
	p.UserAgent = d.opt()
	p.RefererURI = d.opt()
	p.Path = d.str()
	p.Querystring = d.str()
	p.Body = d.opt()
	if n := d.uvarint(); n > 0 {
		n--
		if n > uint64(len(d.b)) {
			d.fail()
		} else {
			p.Headers = make([]string, n)
			for i := range p.Headers {
				p.Headers[i] = d.str()
			}
		}
	}
	p.ContentType = d.opt()
	p.Hostname = d.opt()
	p.NetworkUserID = d.opt()
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return d.err
}

// payloadTime decodes only the timestamp of an encoded payload, which is never
// compressed.
func payloadTime(b []byte) (time.Time, error) {
	return payloadHeadOf(&decoder{b: b}, payloadVersion)
}
