package models

import "sync/atomic"

// TemplatesChannel is the Postgres NOTIFY channel on which a trigger
// (migration 00018) says that the templates table changed, once per
// statement, whoever changed it. NOTIFY is transactional: it arrives when
// the change has committed, at every process that LISTENs.
const TemplatesChannel = "platform_templates"

// templatesVersion names what this process knows of the templates table,
// for the API's cache of template answers: the version moves whenever a
// change is heard (ForgetTemplates) or made by this store, and whenever
// listening starts or stops. It is in one word, the version shifted left
// by one and the low bit set while a listener hears every change, so a
// reader gets both at once without a lock.
type templatesVersion struct {
	word atomic.Uint64
}

// TemplatesVersion is the version of the templates table as this process
// knows it; reuse is false while no listener hears every change on
// TemplatesChannel (SQLite, or the listener is reconnecting): then nothing
// read from templates may be kept. A result read after TemplatesVersion
// returned v reflects every change made before v; once the version moves
// from v, such a result may be stale.
func (s *Store) TemplatesVersion() (v uint64, reuse bool) {
	w := s.templates.word.Load()
	return w >> 1, w&1 == 1
}

// TemplatesLive tells the store whether this process is listening on
// TemplatesChannel. Both ways the version moves: what changed while no one
// listened is unknown.
func (s *Store) TemplatesLive(live bool) {
	var bit uint64
	if live {
		bit = 1
	}
	for {
		old := s.templates.word.Load()
		if s.templates.word.CompareAndSwap(old, ((old>>1)+1)<<1|bit) {
			return
		}
	}
}

// ForgetTemplates moves the version: a change to templates was heard.
func (s *Store) ForgetTemplates() {
	s.templates.word.Add(2) // the version, one up; the live bit is kept
}

// templatesChanged moves the version after this store changed templates
// (called once the change's transaction has ended), so that this process
// reads its own writes before the notification comes back to it.
func (s *Store) templatesChanged() { s.ForgetTemplates() }
