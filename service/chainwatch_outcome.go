package service

import (
	"math/big"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// depositExpired is the failure code of a deposit not received in time.
const depositExpired = "deposit_expired"

// DepositLateWatch is how long a deposit payment that lapsed unpaid stays
// watched: a transfer to its address in that time is recorded as a late
// payment (the customer's coins reached the merchant's wallet, and the
// merchant must learn of it). It keeps the payment in the due index
// (CheckAt) that long; the sweep then takes it out.
const DepositLateWatch = 72 * time.Hour

// depositLapsed reports whether p is a deposit that failed unpaid at its
// deadline: still watched for a while, and able to take a late transfer.
func depositLapsed(p *checkout.Payment) bool {
	return p.Status == checkout.PaymentFailed && p.FailureCode == depositExpired && p.Deposit != nil
}

// lateWatched reports whether the chain watcher still watches p although
// it is final: see depositLapsed.
func lateWatched(p *checkout.Payment) bool { return depositLapsed(p) }

// confirmationsNeeded is how many confirmations a transfer to d needs
// (at least its own block).
func confirmationsNeeded(d *checkout.Deposit) int { return max(1, d.Confirmations) }

// awaitingConfirmations reports whether p, awaiting its deposit, has a
// transfer seen that is not confirmed yet: at its deadline it waits for
// the confirmations rather than failing, since the coins are on their way
// to the merchant's wallet.
func awaitingConfirmations(p *checkout.Payment) bool {
	if p.Status != checkout.PaymentRequiresAction || p.Deposit == nil {
		return false
	}
	for _, t := range p.Deposit.Transfers {
		if t.Confirmations < confirmationsNeeded(p.Deposit) {
			return true
		}
	}
	return false
}

// depositOutcome is what a deposit's confirmed transfers say beyond the
// payment's status, for apply's events.
type depositOutcome struct {
	// underpaid: the confirmed sum grew and is still short of the amount
	// due (payment.underpaid, each time it grows).
	underpaid bool
	// overpaid: it passed the amount due; the excess is in Deposit.Excess
	// (payment.overpaid).
	overpaid bool
}

// outcomeOf compares the confirmed sums of a payment's deposit before
// (prev, nil for none) and after (cur, the payment's, which it updates
// with the excess) a result of status st.
func outcomeOf(prev, cur *checkout.Deposit, st checkout.PaymentState) depositOutcome {
	var out depositOutcome
	due, ok := new(big.Int).SetString(cur.Amount, 10)
	if !ok {
		return out
	}
	need := confirmationsNeeded(cur)
	sum := confirmedSum(cur, need)
	before := new(big.Int)
	if prev != nil {
		before = confirmedSum(prev, need)
	}
	switch st {
	case checkout.PaymentRequiresAction:
		out.underpaid = sum.Sign() > 0 && sum.Cmp(before) > 0 && sum.Cmp(due) < 0
	case checkout.PaymentSucceeded:
		cur.Excess = ""
		if sum.Cmp(due) > 0 {
			cur.Excess = new(big.Int).Sub(sum, due).String()
			out.overpaid = true
		}
	}
	return out
}

// holdsWhileConfirming reports whether deposit payment p, after a
// watcher's result at now, holds its session sess: p has a transfer
// confirming, and the session is open for it — at now, or past its expiry
// only if p already holds it (a transfer first seen after the session
// expired is late). Another payment's live claim is not taken over.
func holdsWhileConfirming(sess *checkout.Session, p *checkout.Payment, now time.Time) bool {
	if !awaitingConfirmations(p) || sess.Status != checkout.SessionOpen {
		return false
	}
	if sess.PaymentInFlight == p.ID {
		return true
	}
	return sess.StatusAt(now) == checkout.SessionOpen && !sess.ClaimLive(now)
}

// lateConfirmedGrew reports whether the confirmed sum of a lapsed deposit
// grew from prev to cur: a late transfer confirmed.
func lateConfirmedGrew(prev, cur *checkout.Deposit) bool {
	need := confirmationsNeeded(cur)
	before := new(big.Int)
	if prev != nil {
		before = confirmedSum(prev, need)
	}
	return confirmedSum(cur, need).Cmp(before) > 0
}
