package stablecoin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// DefaultMaxRange is how many blocks one eth_getLogs call spans at most:
// hosted nodes refuse wider queries (many cap at 1 000 to 10 000 blocks, or
// at 10 000 logs; a refused range is asked again in halves).
const DefaultMaxRange = 500

// Reader reads one configured chain for the service's chain watcher
// (checkout.ChainReader): the head, block headers and the Transfer logs of
// the chain's token contracts. It keeps no state the watcher needs; the
// service keeps that in the store.
type Reader struct {
	chain     Chain
	rpc       *RPC
	contracts []string          // lower case, for the log filter
	tokens    map[string]string // lower-case contract → symbol
	maxRange  uint64
	// checked is set once the node said it is the configured chain: a
	// URL pointing at another chain must not complete payments of this one.
	checked atomic.Bool
}

var _ checkout.ChainReader = (*Reader)(nil)

// NewReader returns a Reader of c through its RPC URL; timeout bounds each
// call (DefaultRPCTimeout when zero), maxRange each log query
// (DefaultMaxRange when zero).
func NewReader(c Chain, timeout time.Duration, maxRange uint64) *Reader {
	if maxRange == 0 {
		maxRange = DefaultMaxRange
	}
	r := &Reader{chain: c, rpc: NewRPC(c.Name, c.RPCURL, timeout), tokens: map[string]string{}, maxRange: maxRange}
	for sym, t := range c.Tokens {
		r.tokens[t.Contract.Lower()] = sym
		r.contracts = append(r.contracts, t.Contract.Lower())
	}
	slices.Sort(r.contracts)
	return r
}

// Readers returns a Reader for every chain of cfg that has an RPC URL,
// ordered by name: the chains the service watches in that mode.
func Readers(cfg Config, timeout time.Duration) []checkout.ChainReader {
	var names []string
	for name, c := range cfg.Chains {
		if c.RPCURL != "" && len(c.Tokens) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]checkout.ChainReader, 0, len(names))
	for _, name := range names {
		c := cfg.Chains[name]
		if c.Name == "" {
			c.Name = name
		}
		out = append(out, NewReader(c, timeout, 0))
	}
	return out
}

// Chain implements checkout.ChainReader.
func (r *Reader) Chain() string { return r.chain.Name }

// Confirmations implements checkout.ChainReader: at least one (the
// transfer's own block).
func (r *Reader) Confirmations() int { return max(1, r.chain.Confirmations) }

// MaxRange implements checkout.ChainReader.
func (r *Reader) MaxRange() uint64 { return r.maxRange }

// Head implements checkout.ChainReader. The first call also checks that
// the node is the configured chain.
func (r *Reader) Head(ctx context.Context) (uint64, error) {
	if !r.checked.Load() {
		id, err := r.rpc.ChainID(ctx)
		if err != nil {
			return 0, err
		}
		if id != r.chain.ChainID {
			return 0, fmt.Errorf("chain %s: the node at its RPC URL is chain id %d, not the configured %d", r.chain.Name, id, r.chain.ChainID)
		}
		r.checked.Store(true)
	}
	return r.rpc.BlockNumber(ctx)
}

// Block implements checkout.ChainReader.
func (r *Reader) Block(ctx context.Context, n uint64) (checkout.ChainBlock, error) {
	return r.rpc.BlockByNumber(ctx, n)
}

// Transfers implements checkout.ChainReader. A range the node refuses
// (too many logs) is asked again in halves, down to single blocks.
func (r *Reader) Transfers(ctx context.Context, from, to uint64) ([]checkout.ChainTransfer, error) {
	if to < from {
		return nil, nil
	}
	logs, err := r.rpc.Logs(ctx, r.contracts, evm.TransferTopic, from, to)
	var re *RPCError
	if errors.As(err, &re) && to > from {
		mid := from + (to-from)/2
		a, err := r.Transfers(ctx, from, mid)
		if err != nil {
			return nil, err
		}
		b, err := r.Transfers(ctx, mid+1, to)
		return append(a, b...), err
	}
	if err != nil {
		return nil, err
	}
	out := make([]checkout.ChainTransfer, 0, len(logs))
	for _, l := range logs {
		t, ok, err := r.transfer(l)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// transfer reads a Transfer log of one of the chain's tokens; ok is false
// for a log that is not one (another event with the same first topic: an
// ERC-721 Transfer has the token id as a fourth topic, and evm.
// DecodeTransfer refuses it).
func (r *Reader) transfer(l Log) (t checkout.ChainTransfer, ok bool, err error) {
	if l.Removed {
		return t, false, nil
	}
	if _, known := r.tokens[strings.ToLower(l.Address)]; !known {
		return t, false, nil
	}
	topics := make([][]byte, len(l.Topics))
	for i, h := range l.Topics {
		if topics[i], err = hexBytes(h); err != nil {
			return t, false, nil
		}
	}
	data, err := hexBytes(l.Data)
	if err != nil {
		return t, false, nil
	}
	from, to, amount, err := evm.DecodeTransfer(topics, data)
	if err != nil {
		return t, false, nil
	}
	block, err := quantity(l.BlockNumber)
	if err != nil {
		return t, false, fmt.Errorf("chain %s: eth_getLogs: a log's block number: %w", r.chain.Name, err)
	}
	idx, err := quantity(l.LogIndex)
	if err != nil {
		return t, false, fmt.Errorf("chain %s: eth_getLogs: a log's index: %w", r.chain.Name, err)
	}
	contract, err := evm.ParseAddress(l.Address)
	if err != nil || !isHash(l.TxHash) || !isHash(l.BlockHash) {
		return t, false, fmt.Errorf("chain %s: eth_getLogs: a malformed log in block %d", r.chain.Name, block)
	}
	return checkout.ChainTransfer{
		Transfer: checkout.Transfer{TxHash: strings.ToLower(l.TxHash), LogIndex: idx, From: from.String(), Block: block,
			BlockHash: strings.ToLower(l.BlockHash), Amount: amount.String()},
		Contract: contract.String(), To: to.String(), Token: r.tokens[contract.Lower()],
	}, true, nil
}

// hexBytes reads 0x-hex.
func hexBytes(s string) ([]byte, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return nil, fmt.Errorf("not 0x-hex: %q", s)
	}
	return hex.DecodeString(h)
}

// String names the reader for logs: the chain, never its URL.
func (r *Reader) String() string {
	return "chain " + r.chain.Name + " (" + strconv.FormatInt(r.chain.ChainID, 10) + ")"
}
