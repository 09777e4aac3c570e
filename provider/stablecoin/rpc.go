package stablecoin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// DefaultRPCTimeout bounds one JSON-RPC call.
const DefaultRPCTimeout = 15 * time.Second

// maxRPCResponse bounds what one answer may hold: a wide eth_getLogs on a
// busy chain is the largest, and a node past it is asked narrower ranges.
const maxRPCResponse = 64 << 20

// RPC is a JSON-RPC client of one chain's node: the few calls the watcher
// needs, over plain net/http.
//
// Its URL is the operator's configuration, trusted like the rest of it: it
// is called as given (loopback and private addresses included, where an
// operator's own node often is), not through the SSRF guard that merchant
// URLs go through. It may carry an API key in its path or query (hosted
// node providers put it there), so no error and no log line ever shows it:
// errors name the chain and the method only.
type RPC struct {
	chain  string
	url    string
	client *http.Client
}

// NewRPC returns a client of the node at url for the chain named chain;
// timeout bounds each call (DefaultRPCTimeout when zero).
func NewRPC(chain, url string, timeout time.Duration) *RPC {
	if timeout <= 0 {
		timeout = DefaultRPCTimeout
	}
	return &RPC{chain: chain, url: url, client: &http.Client{Timeout: timeout}}
}

// RPCError is an error a node answered (as opposed to one reaching it).
type RPCError struct {
	Code    int
	Message string
}

func (e *RPCError) Error() string { return fmt.Sprintf("error %d: %s", e.Code, e.Message) }

// call calls method with params and decodes the result into out.
func (r *RPC) call(ctx context.Context, method string, out any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return r.err(method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		// The URL did not parse: the error quotes it, so it is not kept.
		return r.err(method, errors.New("the RPC URL is not a valid URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return r.err(method, withoutURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCResponse+1))
	if err != nil {
		return r.err(method, withoutURL(err))
	}
	if len(data) > maxRPCResponse {
		return r.err(method, errors.New("the answer is too large"))
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(data, &msg); err != nil {
		return r.err(method, fmt.Errorf("HTTP %d, not a JSON-RPC answer", resp.StatusCode))
	}
	if msg.Error != nil {
		return r.err(method, msg.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return r.err(method, fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	if err := json.Unmarshal(msg.Result, out); err != nil {
		return r.err(method, fmt.Errorf("unexpected result: %v", err))
	}
	return nil
}

func (r *RPC) err(method string, err error) error {
	return fmt.Errorf("chain %s: %s: %w", r.chain, method, err)
}

// withoutURL is err without the URL a *url.Error quotes (its path or query
// may hold the node provider's API key): what went wrong, and the host and
// port at most, which a dial error names.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("the node did not answer in time")
		}
		return fmt.Errorf("%s: %v", ue.Op, ue.Err)
	}
	return err
}

// ChainID is eth_chainId.
func (r *RPC) ChainID(ctx context.Context) (int64, error) {
	var h string
	if err := r.call(ctx, "eth_chainId", &h); err != nil {
		return 0, err
	}
	n, err := quantity(h)
	if err != nil || n > 1<<62 {
		return 0, r.err("eth_chainId", fmt.Errorf("not a chain id: %q", h))
	}
	return int64(n), nil
}

// BlockNumber is eth_blockNumber: the head.
func (r *RPC) BlockNumber(ctx context.Context) (uint64, error) {
	var h string
	if err := r.call(ctx, "eth_blockNumber", &h); err != nil {
		return 0, err
	}
	n, err := quantity(h)
	if err != nil {
		return 0, r.err("eth_blockNumber", err)
	}
	return n, nil
}

// BlockByNumber is eth_getBlockByNumber without its transactions: the
// number, hash and time. KindNotFound when the node has no such block.
func (r *RPC) BlockByNumber(ctx context.Context, n uint64) (checkout.ChainBlock, error) {
	var b *struct {
		Number    string `json:"number"`
		Hash      string `json:"hash"`
		Timestamp string `json:"timestamp"`
	}
	if err := r.call(ctx, "eth_getBlockByNumber", &b, hexQuantity(n), false); err != nil {
		return checkout.ChainBlock{}, err
	}
	if b == nil {
		return checkout.ChainBlock{}, checkout.NotFound("block", "block", strconv.FormatUint(n, 10))
	}
	num, err := quantity(b.Number)
	if err != nil || num != n || !isHash(b.Hash) {
		return checkout.ChainBlock{}, r.err("eth_getBlockByNumber", fmt.Errorf("block %d answered as %q %q", n, b.Number, b.Hash))
	}
	ts, err := quantity(b.Timestamp)
	if err != nil || ts > 1<<40 {
		return checkout.ChainBlock{}, r.err("eth_getBlockByNumber", fmt.Errorf("block %d has time %q", n, b.Timestamp))
	}
	return checkout.ChainBlock{Number: n, Hash: strings.ToLower(b.Hash), Time: time.Unix(int64(ts), 0).UTC()}, nil
}

// Log is one log as eth_getLogs answers it.
type Log struct {
	Address     string   `json:"address"`
	Topics      []string `json:"topics"`
	Data        string   `json:"data"`
	BlockNumber string   `json:"blockNumber"`
	BlockHash   string   `json:"blockHash"`
	TxHash      string   `json:"transactionHash"`
	LogIndex    string   `json:"logIndex"`
	Removed     bool     `json:"removed"`
}

// Logs is eth_getLogs for the logs of contracts whose first topic is
// topic0, in blocks from..to (both included).
func (r *RPC) Logs(ctx context.Context, contracts []string, topic0 string, from, to uint64) ([]Log, error) {
	filter := map[string]any{"address": contracts, "topics": []any{topic0},
		"fromBlock": hexQuantity(from), "toBlock": hexQuantity(to)}
	var logs []Log
	if err := r.call(ctx, "eth_getLogs", &logs, filter); err != nil {
		return nil, err
	}
	return logs, nil
}

// hexQuantity is n as a JSON-RPC quantity: 0x-hex without leading zeros.
func hexQuantity(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }

// quantity reads a JSON-RPC quantity.
func quantity(s string) (uint64, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || h == "" || len(h) > 16 {
		return 0, fmt.Errorf("not a quantity: %q", s)
	}
	return strconv.ParseUint(h, 16, 64)
}

// isHash reports whether s is a 32-byte 0x-hex hash.
func isHash(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
