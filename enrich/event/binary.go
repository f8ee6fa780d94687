package event

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// binaryVersion is the first byte of an encoded Event; it changes if the layout does.
const binaryVersion = 1

// errShort reports an encoding that ends in the middle of a value.
var errShort = errors.New("truncated data")

// MarshalBinary encodes the event compactly for storage: a version byte, then for each
// non-null field in canonical order its index (uvarint), its length (uvarint) and its
// bytes. It never fails.
func (e *Event) MarshalBinary() ([]byte, error) { return e.AppendBinary(nil) }

// AppendBinary appends the MarshalBinary encoding of the event to b.
func (e *Event) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, binaryVersion)
	for f, s := range e.v {
		if s == "" {
			continue
		}
		b = binary.AppendUvarint(b, uint64(f))
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b, nil
}

// UnmarshalBinary decodes an encoding made by MarshalBinary into e, replacing all of its
// fields. Field indices must be strictly increasing and values non-empty.
func (e *Event) UnmarshalBinary(data []byte) error {
	*e = Event{}
	if len(data) == 0 || data[0] != binaryVersion {
		return fmt.Errorf("decode event: unknown encoding version")
	}
	d := decoder{b: data[1:]}
	last := -1
	for len(d.b) > 0 {
		idx, err := d.uvarint()
		if err != nil {
			return fmt.Errorf("decode event field index: %w", err)
		}
		if idx >= uint64(NumFields) || int(idx) <= last {
			return fmt.Errorf("decode event: field index %d out of order or range", idx)
		}
		s, err := d.str()
		if err != nil {
			return fmt.Errorf("decode event field %s: %w", Fields[idx].Name, err)
		}
		if s == "" {
			return fmt.Errorf("decode event field %s: empty value", Fields[idx].Name)
		}
		e.v[idx] = s
		last = int(idx)
	}
	return nil
}

// MarshalBinary encodes the parameters for storage: the count (uvarint), then for each
// parameter its name (uvarint length + bytes) and its value (uvarint 0 for nil, else
// length+1, then the bytes). Order is kept.
func (ps Params) MarshalBinary() ([]byte, error) { return ps.AppendBinary(nil) }

// AppendBinary appends the MarshalBinary encoding of the parameters to b.
func (ps Params) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = binary.AppendUvarint(b, uint64(len(p.Name)))
		b = append(b, p.Name...)
		if p.Value == nil {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(*p.Value))+1)
		b = append(b, *p.Value...)
	}
	return b, nil
}

// UnmarshalBinary decodes an encoding made by Params.MarshalBinary into ps.
func (ps *Params) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	out, err := d.params()
	if err != nil {
		return err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("decode params: %d trailing bytes", len(d.b))
	}
	*ps = out
	return nil
}

// MarshalBinary encodes the raw event's vendor, version and parameters (each string as
// uvarint length + bytes, then the Params encoding). The collector payload is not
// included: it is stored on its own, and the caller re-attaches it after decoding.
func (r *RawEvent) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint(nil, uint64(len(r.Vendor)))
	b = append(b, r.Vendor...)
	b = binary.AppendUvarint(b, uint64(len(r.Version)))
	b = append(b, r.Version...)
	return r.Params.AppendBinary(b)
}

// UnmarshalBinary decodes an encoding made by RawEvent.MarshalBinary into r; r.Payload
// is set to nil.
func (r *RawEvent) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	vendor, err := d.str()
	if err != nil {
		return fmt.Errorf("decode raw event vendor: %w", err)
	}
	version, err := d.str()
	if err != nil {
		return fmt.Errorf("decode raw event version: %w", err)
	}
	ps, err := d.params()
	if err != nil {
		return fmt.Errorf("decode raw event: %w", err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("decode raw event: %d trailing bytes", len(d.b))
	}
	*r = RawEvent{Vendor: vendor, Version: version, Params: ps}
	return nil
}

// decoder reads the uvarint-framed values of the binary encodings.
type decoder struct{ b []byte }

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errors.New("bad uvarint")
	}
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) bytes(n uint64) (string, error) {
	if n > uint64(len(d.b)) {
		return "", errShort
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s, nil
}

func (d *decoder) str() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	return d.bytes(n)
}

func (d *decoder) params() (Params, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, fmt.Errorf("decode params count: %w", err)
	}
	if n > uint64(len(d.b)) { // each parameter takes at least 2 bytes
		return nil, fmt.Errorf("decode params: count %d: %w", n, errShort)
	}
	if n == 0 {
		return nil, nil
	}
	ps := make(Params, 0, n)
	for range n {
		name, err := d.str()
		if err != nil {
			return nil, fmt.Errorf("decode param name: %w", err)
		}
		vl, err := d.uvarint()
		if err != nil {
			return nil, fmt.Errorf("decode param %q value: %w", name, err)
		}
		p := Param{Name: name}
		if vl > 0 {
			v, err := d.bytes(vl - 1)
			if err != nil {
				return nil, fmt.Errorf("decode param %q value: %w", name, err)
			}
			p.Value = &v
		}
		ps = append(ps, p)
	}
	return ps, nil
}
