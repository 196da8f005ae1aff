package catalog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// digestVersion starts every encoding, so a future change of the encoding
// cannot collide with today's digests.
const digestVersion = "forgeai.catalog.template/v1"

// digest is the hex sha256 of a canonical encoding of every content field of
// t (all but Digest). Each value is length-prefixed and each list is
// count-prefixed, so no two different templates share an encoding; the schema
// and scaffold files are hashed byte for byte.
func digest(t *Template) string {
	e := digestEncoder{h: sha256.New()}
	e.str(digestVersion)
	e.str(t.Slug)
	e.str(t.Name)
	e.str(t.Industry)
	e.str(t.Category)
	e.str(t.Description)
	e.str(t.Complexity)
	e.strs(t.Compliance)
	e.strs(t.Features)
	e.int(t.ROI.TimeToValueWeeks)
	e.int(t.ROI.CostReductionPercent)
	e.int(t.ROI.PaybackMonths)
	e.int(t.ROI.AnnualSavingsUSD)
	e.str(t.ROI.Summary)
	e.bytes(t.Schema)
	e.int(len(t.Scaffold))
	for _, f := range t.Scaffold {
		e.str(f.Path)
		e.bytes(f.Content)
	}
	return hex.EncodeToString(e.h.Sum(nil))
}

type digestEncoder struct{ h hash.Hash }

func (e digestEncoder) int(n int) {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(int64(n)))
	e.h.Write(buf[:])
}

func (e digestEncoder) bytes(b []byte) {
	e.int(len(b))
	e.h.Write(b)
}

func (e digestEncoder) str(s string) { e.bytes([]byte(s)) }

func (e digestEncoder) strs(list []string) {
	e.int(len(list))
	for _, s := range list {
		e.str(s)
	}
}
