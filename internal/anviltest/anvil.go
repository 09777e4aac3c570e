// Package anviltest runs anvil, a local EVM chain, for tests that need a
// real chain: the chain watcher's. It starts one anvil per test on a free
// loopback port, deploys checkoutd's own ERC-20 test token (token/), and
// sends transactions from anvil's unlocked dev accounts with
// eth_sendTransaction, so no signing code is needed.
//
// anvil comes from the npm package @foundry-rs/anvil, pinned in this
// directory's package.json and installed by .ci/run with
//
//	npm ci --prefix internal/anviltest --no-audit --no-fund
//
// A test finds it there, or as anvil on PATH; without it the test is
// skipped naming it (failed under CI=true).
package anviltest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/evm"
	"github.com/checkoutd/checkoutd/internal/testenv"
)

// ChainID is anvil's default chain id.
const ChainID = 31337

// tokenHex is TestToken.sol's creation bytecode, built with solc 0.8.28
// (the npm package solc, pinned in package.json) from this directory:
//
//	npm ci --no-audit --no-fund && node_modules/.bin/solcjs --bin --optimize --base-path token -o /tmp/solcout token/TestToken.sol && { echo "0x$(cat /tmp/solcout/TestToken_sol_TestToken.bin)"; } > token/TestToken.hex
//
//go:embed token/TestToken.hex
var tokenHex string

// Chain is one running anvil.
type Chain struct {
	// URL is its JSON-RPC endpoint, on 127.0.0.1.
	URL string
	// Accounts are anvil's unlocked dev accounts, each with 10 000 ether.
	Accounts []evm.Address
	tb       testing.TB
	cmd      *exec.Cmd
	client   *http.Client
}

// Option changes how anvil is started.
type Option func(*options)

type options struct{ blockTime time.Duration }

// BlockTime mines a block every d (at least a second) instead of only on
// Mine: what a test of timings needs. Mine still mines at once.
func BlockTime(d time.Duration) Option { return func(o *options) { o.blockTime = d } }

// Binary returns the path of anvil: the npm package's native binary in
// internal/anviltest/node_modules, else anvil on PATH; "" if neither.
func Binary() string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "node_modules")
	// The platform package's binary itself, not the node wrapper in
	// .bin: stopping the process by its PID then stops anvil.
	if m, _ := filepath.Glob(filepath.Join(dir, "@foundry-rs", "anvil-*", "bin", "anvil")); len(m) > 0 {
		return m[0]
	}
	if p := filepath.Join(dir, ".bin", "anvil"); exists(p) {
		return p
	}
	if p, err := exec.LookPath("anvil"); err == nil {
		return p
	}
	return ""
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// Start runs anvil for tb, stopped (by its PID) when tb ends. Without a
// block time, blocks are mined only by Mine, so several transactions can
// go in one block.
func Start(tb testing.TB, opts ...Option) *Chain {
	tb.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	bin := Binary()
	if bin == "" {
		testenv.Need(tb, "anvil", "npm ci --prefix internal/anviltest --no-audit --no-fund (or foundry's anvil on PATH)")
		return nil
	}
	// The free port is picked, then handed to anvil: another process
	// (another test's anvil) may take it between the two, and this anvil
	// then exits at once; it is started again on another port.
	var c *Chain
	for attempt := 1; c == nil; attempt++ {
		c = launch(tb, bin, o, attempt == 5)
	}
	var accts []string
	c.Call(&accts, "eth_accounts")
	for _, a := range accts {
		addr, err := evm.ParseAddress(a)
		if err != nil {
			tb.Fatal(err)
		}
		c.Accounts = append(c.Accounts, addr)
	}
	return c
}

// launch starts anvil on a free port and waits until it answers. It
// returns nil when anvil could not bind the port (taken since it was
// picked), unless last: then the test fails.
func launch(tb testing.TB, bin string, o options, last bool) *Chain {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	args := []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--chain-id", strconv.Itoa(ChainID),
		"--accounts", "10", "--silent"}
	if o.blockTime > 0 {
		args = append(args, "--block-time", strconv.Itoa(max(1, int(o.blockTime/time.Second))))
	} else {
		args = append(args, "--no-mining")
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("anviltest: start %s: %v", bin, err)
	}
	c := &Chain{URL: "http://127.0.0.1:" + strconv.Itoa(port), tb: tb, cmd: cmd, client: &http.Client{Timeout: 10 * time.Second}}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		// Its own process group, started above: only it is stopped.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var id string
		err := c.call("eth_chainId", &id)
		select {
		case <-exited:
			// An answer from the port is not this anvil's once it has
			// exited: another process holds the port.
			if !last && strings.Contains(stderr.String(), "Address already in use") {
				return nil
			}
			tb.Fatalf("anviltest: anvil exited: %s", stderr.String())
		default:
		}
		if err == nil {
			tb.Cleanup(stop)
			return c
		}
		if time.Now().After(deadline) {
			stop()
			tb.Fatalf("anviltest: anvil did not answer on %s within 30s", c.URL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Call calls JSON-RPC method with params and decodes its result into out
// (nil to drop it); any error fails the test.
func (c *Chain) Call(out any, method string, params ...any) {
	c.tb.Helper()
	if err := c.call(method, out, params...); err != nil {
		c.tb.Fatalf("anviltest: %s: %v", method, err)
	}
}

// TryCall is Call without the test: for a goroutine of the test, which
// must not fail it.
func (c *Chain) TryCall(out any, method string, params ...any) error {
	return c.call(method, out, params...)
}

func (c *Chain) call(method string, out any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if r.Error != nil {
		return fmt.Errorf("error %d: %s", r.Error.Code, r.Error.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Result, out)
}

// Head is the number of the latest block.
func (c *Chain) Head() uint64 {
	c.tb.Helper()
	var h string
	c.Call(&h, "eth_blockNumber")
	n, err := strconv.ParseUint(strings.TrimPrefix(h, "0x"), 16, 64)
	if err != nil {
		c.tb.Fatalf("anviltest: eth_blockNumber answered %q", h)
	}
	return n
}

// Mine mines n blocks now, with the transactions waiting in the first.
func (c *Chain) Mine(n int) {
	c.tb.Helper()
	c.Call(nil, "anvil_mine", "0x"+strconv.FormatInt(int64(n), 16))
}

// Reorg replaces the latest depth blocks with as many new, empty ones: the
// transactions in them are no longer on the chain.
func (c *Chain) Reorg(depth int) {
	c.tb.Helper()
	c.Call(nil, "anvil_reorg", depth, []any{})
}

// ReorgTransfer replaces the latest depth blocks with as many new ones,
// and puts a transfer of amount of token from from to to back in the new
// block at offset (0 is the first replaced block): a transaction that a
// reorganisation moved to another block.
func (c *Chain) ReorgTransfer(depth int, token, from, to evm.Address, amount int64, offset int) {
	c.tb.Helper()
	tx := map[string]any{"from": from.Lower(), "to": token.Lower(), "gas": "0x30d40",
		"data": "0x" + hex.EncodeToString(call("transfer(address,uint256)", to, big.NewInt(amount)))}
	c.Call(nil, "anvil_reorg", depth, []any{[]any{tx, offset}})
}

// send sends a transaction from an unlocked account and returns its hash.
// The gas is set rather than estimated: with mining off, an estimate runs
// against the last block, without the transactions still waiting (a mint
// the transfer after it spends).
func (c *Chain) send(from evm.Address, to *evm.Address, data []byte, gas uint64) string {
	c.tb.Helper()
	tx := map[string]any{"from": from.Lower(), "data": "0x" + hex.EncodeToString(data), "gas": "0x" + strconv.FormatUint(gas, 16)}
	if to != nil {
		tx["to"] = to.Lower()
	}
	var hash string
	c.Call(&hash, "eth_sendTransaction", tx)
	return hash
}

// Deploy deploys a new TestToken from the first account, mines it, and
// returns its address.
func (c *Chain) Deploy() evm.Address {
	c.tb.Helper()
	code, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(tokenHex), "0x"))
	if err != nil {
		c.tb.Fatalf("anviltest: TestToken.hex: %v", err)
	}
	hash := c.send(c.Accounts[0], nil, code, 3_000_000)
	c.Mine(1)
	var receipt struct {
		ContractAddress string `json:"contractAddress"`
		Status          string `json:"status"`
	}
	c.Call(&receipt, "eth_getTransactionReceipt", hash)
	addr, err := evm.ParseAddress(receipt.ContractAddress)
	if err != nil || receipt.Status != "0x1" {
		c.tb.Fatalf("anviltest: the token was not deployed (status %s, address %q)", receipt.Status, receipt.ContractAddress)
	}
	return addr
}

// Mint makes amount (token units) of token for to. Like Transfer, it waits
// for the next block when mining is off.
func (c *Chain) Mint(token, to evm.Address, amount int64) string {
	c.tb.Helper()
	return c.send(c.Accounts[0], &token, call("mint(address,uint256)", to, big.NewInt(amount)), 200_000)
}

// Transfer sends amount (token units) of token from from (a dev account)
// to to, and returns the transaction's hash.
func (c *Chain) Transfer(token, from, to evm.Address, amount int64) string {
	c.tb.Helper()
	return c.send(from, &token, call("transfer(address,uint256)", to, big.NewInt(amount)), 200_000)
}

// Succeeded reports whether transaction hash is mined and did not revert.
func (c *Chain) Succeeded(hash string) bool {
	c.tb.Helper()
	var receipt *struct {
		Status string `json:"status"`
	}
	c.Call(&receipt, "eth_getTransactionReceipt", hash)
	return receipt != nil && receipt.Status == "0x1"
}

// call is the calldata of a function taking an address and a uint256.
func call(signature string, a evm.Address, v *big.Int) []byte {
	out := append([]byte(nil), evm.Keccak256([]byte(signature))[:4]...)
	out = append(out, make([]byte, 12)...)
	out = append(out, a[:]...)
	return append(out, v.FillBytes(make([]byte, 32))...)
}
