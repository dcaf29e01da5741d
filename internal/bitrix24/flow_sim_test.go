package bitrix24

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tf-bitrix24/terraform-provider-bitrix24/internal/clock"
)

// bucketSim runs plans that share one portal's leaky bucket on a fake
// clock, each plan with its own flowControl, as the benchmark's concurrent
// plans do: every plan reads its batches with a few requests in flight,
// and a refused request is retried after the busy backoff. It measures
// what the portal saw; the run is deterministic for a seed.
type bucketSim struct {
	rate, burst float64       // the portal's bucket
	latency     time.Duration // from sending to the portal's answer
	plans       []simPlan
	rng         *rand.Rand

	clk     *clock.Fake
	events  simEvents
	seq     int
	level   float64
	drained time.Time

	accepted, refused int
	end               time.Duration // when the last plan finished
}

type simPlan struct {
	start    time.Duration // when the plan sends its first request
	requests int           // batch calls it needs
	inFlight int           // requests it keeps in flight at most
	rate     float64       // its configured rate (0: pacing off)
	burst    int

	flow     *flowControl
	queue    []func() // sends waiting for a place in the window
	next     int      // requests started
	done     int
	finished time.Duration
}

type simEvent struct {
	at  time.Time
	seq int
	fn  func()
}

// simEvents is the event queue (a container/heap); t fails the test when
// something other than a simEvent is pushed.
type simEvents struct {
	t  testing.TB
	ev []simEvent
}

func (e *simEvents) Len() int { return len(e.ev) }
func (e *simEvents) Less(i, j int) bool {
	return e.ev[i].at.Before(e.ev[j].at) || (e.ev[i].at.Equal(e.ev[j].at) && e.ev[i].seq < e.ev[j].seq)
}
func (e *simEvents) Swap(i, j int) { e.ev[i], e.ev[j] = e.ev[j], e.ev[i] }
func (e *simEvents) Push(x any) {
	ev, ok := x.(simEvent)
	if !ok {
		e.t.Fatalf("simEvents.Push: %T, want a simEvent", x)
	}
	e.ev = append(e.ev, ev)
}
func (e *simEvents) Pop() any {
	old := e.ev
	x := old[len(old)-1]
	e.ev = old[:len(old)-1]
	return x
}

func (s *bucketSim) at(d time.Duration, fn func()) {
	s.seq++
	heap.Push(&s.events, simEvent{at: s.clk.Now().Add(d), seq: s.seq, fn: fn})
}

// take is the portal's bucket (fakeportal's takeFromBucket).
func (s *bucketSim) take() bool {
	now := s.clk.Now()
	if !s.drained.IsZero() {
		s.level = math.Max(0, s.level-now.Sub(s.drained).Seconds()*s.rate)
	}
	s.drained = now
	if s.level+1 > s.burst+1e-9 {
		return false
	}
	s.level++
	return true
}

func (s *bucketSim) run(t testing.TB) {
	s.clk = clock.NewFake(time.Unix(0, 0))
	s.events = simEvents{t: t}
	for i := range s.plans {
		p := &s.plans[i]
		p.flow = newFlowControl(s.clk, p.rate, p.burst)
		s.at(p.start, func() {
			for w := 0; w < p.inFlight; w++ {
				s.startNext(p)
			}
		})
	}
	for s.events.Len() > 0 {
		x := heap.Pop(&s.events)
		ev, ok := x.(simEvent)
		if !ok {
			t.Fatalf("the event queue held a %T", x)
		}
		if d := ev.at.Sub(s.clk.Now()); d > 0 {
			s.clk.Advance(d)
		}
		ev.fn()
	}
	for _, p := range s.plans {
		s.end = max(s.end, p.finished)
	}
}

func (s *bucketSim) startNext(p *simPlan) {
	if p.next >= p.requests {
		return
	}
	p.next++
	s.send(p, 0)
}

// admitted runs send once the plan's window has a place for it.
func (s *bucketSim) admitted(p *simPlan, send func()) {
	if len(p.queue) == 0 && p.flow.admit() {
		send()
		return
	}
	p.queue = append(p.queue, send)
}

// settle settles a request of p and sends what waited for a place.
func (s *bucketSim) settle(p *simPlan, accepted bool) {
	p.flow.settle(accepted)
	for len(p.queue) > 0 && p.flow.admit() {
		send := p.queue[0]
		p.queue = p.queue[1:]
		send()
	}
}

// send sends one request after the flow control's wait; busy counts the
// request's refusals so far, for the backoff.
func (s *bucketSim) send(p *simPlan, busy int) {
	s.admitted(p, func() { s.sendNow(p, busy) })
}

func (s *bucketSim) sendNow(p *simPlan, busy int) {
	wait := p.flow.reserve()
	s.at(wait, func() {
		sent := s.clk.Now()
		s.at(s.latency, func() {
			if s.take() {
				s.accepted++
				s.settle(p, true)
				p.done++
				if p.done == p.requests {
					p.finished = s.clk.Now().Sub(time.Unix(0, 0))
				}
				s.startNext(p)
				return
			}
			s.refused++
			p.flow.refused(sent)
			s.settle(p, false)
			d := busyBaseDelay << min(busy, 30)
			if d > busyMaxDelay {
				d = busyMaxDelay
			}
			d = d/2 + time.Duration(s.rng.Int64N(int64(d/2)+1))
			s.at(d, func() { s.send(p, busy+1) })
		})
	})
}

// floor is the least time the portal's bucket needs for the accepted
// requests: all but a burst of them drain at its rate.
func (s *bucketSim) floor() time.Duration {
	return seconds(math.Max(0, float64(s.accepted)-s.burst) / s.rate)
}

// Plans that share a standard portal's bucket (burst 50, 2/s), each
// reading 1000 ids in 20 batch calls four at a time as bitrix24_dialogs
// does, or 300 ids in 38 coalesced calls one at a time as a for_each of
// bitrix24_dialog does, starting together or within a few seconds. When
// the plans start within a few seconds, the portal refuses at most one
// request for every five it accepts, and the last plan ends within 1.3
// times the time the bucket needs for the accepted requests. Plans that
// start at the same instant all have their window's requests in flight
// when the bucket first fills (the window has no cap before the first
// refusal), so more are refused. A lone plan is never refused and ends at
// the floor. (Before the window and the slower growth: 0.76 refusals per
// accepted request.)
func TestFlowControl_plansShareABucketGently(t *testing.T) {
	for _, tc := range []struct {
		name            string
		plans, requests int
		inFlight        int
		spread          time.Duration
		maxRefused      float64 // refusals per accepted request
		maxEnd          float64 // the last plan's end, in floors
	}{
		{"8 plans within 3 s", 8, 20, 4, 3 * time.Second, 0.2, 1.3},
		{"8 plans within 10 s", 8, 20, 4, 10 * time.Second, 0.2, 1.3},
		{"8 plans at once", 8, 20, 4, 0, 0.34, 1.3},
		{"4 for_each plans within 3 s", 4, 38, 1, 3 * time.Second, 0.06, 1.35},
		{"2 plans", 2, 100, 4, time.Second, 0.05, 1.35},
		{"1 plan", 1, 200, 4, 0, 0, 1.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var accepted, refused int
			worst := 0.0
			for seed := uint64(1); seed <= 8; seed++ {
				rng := rand.New(rand.NewPCG(seed, 7))
				s := &bucketSim{rate: 2, burst: 50, latency: 50 * time.Millisecond, rng: rng}
				for i := 0; i < tc.plans; i++ {
					var start time.Duration
					if tc.spread > 0 {
						start = time.Duration(rng.Int64N(int64(tc.spread)))
					}
					s.plans = append(s.plans, simPlan{start: start, requests: tc.requests, inFlight: tc.inFlight, rate: 2, burst: 50})
				}
				s.run(t)
				if s.accepted != tc.plans*tc.requests {
					t.Fatalf("seed %d: %d requests accepted, want %d", seed, s.accepted, tc.plans*tc.requests)
				}
				accepted += s.accepted
				refused += s.refused
				worst = max(worst, s.end.Seconds()/s.floor().Seconds())
			}
			ratio := float64(refused) / float64(accepted)
			t.Logf("%d refused for %d accepted (%.3f); the slowest run ended at %.3f floors", refused, accepted, ratio, worst)
			if ratio > tc.maxRefused || worst > tc.maxEnd {
				t.Errorf("want at most %.2f refusals per accepted request and an end within %.2f floors", tc.maxRefused, tc.maxEnd)
			}
		})
	}
}
