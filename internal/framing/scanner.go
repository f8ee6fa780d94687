package framing

import (
	"bytes"
	"strconv"
)

// scanner follows HTTP/1.x request framing over the bytes of one connection, as Go's
// server reads it: a request line and header fields up to an empty line, then a body
// framed by Transfer-Encoding: chunked (HTTP/1.1) or by Content-Length. It keeps only
// the start of the current line.
type scanner struct {
	state   int
	line    []byte // the current line, truncated to maxLine
	long    bool   // the current line was longer than maxLine
	n       int64  // requests whose header fields ended
	http10  bool   // the current request is HTTP/1.0
	hasCL   bool
	hasTE   bool
	length  int64 // Content-Length, or the current chunk's size
	remains int64 // body or chunk bytes still to skip
}

const (
	stRequestLine = iota
	stHeaders
	stBody       // Content-Length bytes
	stChunkSize  // a chunk-size line
	stChunkData  // chunk bytes
	stChunkCRLF  // the line end after a chunk
	stTrailers   // trailer fields after the last chunk
	stLost       // the framing could not be followed: stop scanning
	maxLine      = 64
	maxChunkSize = 1 << 62
)

// scan consumes p and returns the number (from 1) of a request whose header fields held
// both Content-Length and Transfer-Encoding, or 0.
func (s *scanner) scan(p []byte) (flagged int64) {
	for len(p) > 0 && s.state != stLost {
		switch s.state {
		case stBody, stChunkData:
			k := min(int64(len(p)), s.remains)
			p, s.remains = p[k:], s.remains-k
			if s.remains == 0 {
				s.state = map[int]int{stBody: stRequestLine, stChunkData: stChunkCRLF}[s.state]
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return flagged
		}
		s.keep(p[:i])
		p = p[i+1:]
		line := bytes.TrimSuffix(s.line, []byte("\r"))
		if k := s.endLine(line); k > 0 && flagged == 0 {
			flagged = k
		}
		s.line, s.long = s.line[:0], false
	}
	return flagged
}

func (s *scanner) keep(b []byte) {
	if room := maxLine - len(s.line); room > 0 {
		s.line = append(s.line, b[:min(len(b), room)]...)
	}
	if len(s.line) == maxLine {
		s.long = true
	}
}

// endLine handles one complete line.
func (s *scanner) endLine(line []byte) (flagged int64) {
	switch s.state {
	case stRequestLine:
		if len(line) == 0 {
			return 0 // Go skips empty lines before a request
		}
		s.state, s.hasCL, s.hasTE, s.length = stHeaders, false, false, 0
		s.http10 = !s.long && bytes.HasSuffix(line, []byte(" HTTP/1.0"))
	case stHeaders:
		if len(line) > 0 {
			s.field(line)
			return 0
		}
		s.n++
		if s.hasCL && s.hasTE {
			flagged = s.n
		}
		switch {
		case s.hasTE && !s.http10:
			s.state = stChunkSize
		case s.length > 0:
			s.state, s.remains = stBody, s.length
		default:
			s.state = stRequestLine
		}
	case stChunkSize:
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		switch {
		case err != nil || n < 0 || n > maxChunkSize || s.long:
			s.state = stLost // Go answers 400 and closes the connection
		case n == 0:
			s.state = stTrailers
		default:
			s.state, s.remains = stChunkData, n
		}
	case stChunkCRLF:
		if len(line) != 0 {
			s.state = stLost
			break
		}
		s.state = stChunkSize
	case stTrailers:
		if len(line) == 0 {
			s.state = stRequestLine
		}
	}
	return flagged
}

// field notes a Content-Length or Transfer-Encoding header field.
func (s *scanner) field(line []byte) {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return
	}
	switch {
	case bytes.EqualFold(name, []byte("Content-Length")):
		s.hasCL = true
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err == nil && n >= 0 && !s.long {
			s.length = n
		} else {
			s.state = stLost // Go refuses a bad Content-Length and closes the connection
		}
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		s.hasTE = true
	}
}
