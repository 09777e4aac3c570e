package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func parseServe(t *testing.T, args ...string) (*serveConfig, error) {
	t.Helper()
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return &cfg, cfg.Validate()
}

func TestStablecoinFlags(t *testing.T) {
	cfg, err := parseServe(t, "--chain", "base=https://base.example/rpc", "--test-chain", "anvil=http://127.0.0.1:8545",
		"--chain-id", "anvil=31337", "--chain-token", "anvil:usdc=0x5FbDB2315678afecb367f032d93F642f64180aa3:6",
		"--chain-token", "anvil:USDT=0xe7f1725e7734ce288f8367e1bb143e90bb3f0512:18",
		"--chain-confirmations", "anvil=2", "--chain-confirmations", "base=150", "--stablecoin-rate", "EUR=1.0842", "--stablecoin-rate", "jpy=0.0067")
	if err != nil {
		t.Fatal(err)
	}
	live, test := cfg.stablecoin.live, cfg.stablecoin.test
	if len(live.Chains) != 1 {
		t.Errorf("live chains %v, want base alone", live.Chains)
	}
	base := live.Chains["base"]
	if base.RPCURL != "https://base.example/rpc" || base.ChainID != 8453 || base.Confirmations != 150 || base.Tokens["USDC"].Contract.String() != "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" {
		t.Errorf("live base %+v", base)
	}
	anvil := test.Chains["anvil"]
	if anvil.RPCURL != "http://127.0.0.1:8545" || anvil.ChainID != 31337 || anvil.Confirmations != 2 ||
		anvil.Tokens["USDC"].Contract.String() != "0x5FbDB2315678afecb367f032d93F642f64180aa3" || anvil.Tokens["USDT"].Decimals != 18 {
		t.Errorf("test anvil %+v", anvil)
	}
	// Test mode keeps simulating the built-in chains, with the built-in
	// confirmations: --chain-confirmations base=… names live's base alone,
	// the mode whose --chain gives it.
	if eth := test.Chains["ethereum"]; eth.RPCURL != "" || eth.ChainID != 1 || test.Chains["base"].Confirmations == 150 {
		t.Errorf("test ethereum %+v, base %+v", eth, test.Chains["base"])
	}
	if live.Rates["EUR"] != "1.0842" || test.Rates["JPY"] != "0.0067" {
		t.Errorf("rates %v %v", live.Rates, test.Rates)
	}
	if got := cfg.stablecoin.modes().Tokens(true); len(got) != 1 || got[0].Token != "USDC" || got[0].Chain != "base" {
		t.Errorf("live tokens %v", got)
	}
}

func TestStablecoinFlagsFromEnvironment(t *testing.T) {
	t.Setenv("CHECKOUTD_CHAIN", "ethereum=https://eth.example/rpc, polygon=https://polygon.example/rpc")
	t.Setenv("CHECKOUTD_STABLECOIN_RATE", "EUR=1.08")
	cfg, err := parseServe(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.stablecoin.live.Chains) != 2 || cfg.stablecoin.live.Chains["polygon"].Confirmations != 50 || cfg.stablecoin.live.Rates["EUR"] != "1.08" {
		t.Errorf("live %+v", cfg.stablecoin.live)
	}
}

func TestStablecoinFlagsRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--chain", "base"}, "--chain"},
		{[]string{"--chain", "Base=https://x.example"}, "--chain"},
		{[]string{"--chain", "base=ftp://x.example"}, "--chain"},
		{[]string{"--chain", "base=https://a.example", "--chain", "base=https://b.example"}, "--chain: base is given twice"},
		{[]string{"--chain", "gnosis=https://x.example", "--chain-token", "gnosis:USDC=0x5FbDB2315678afecb367f032d93F642f64180aa3"}, "--chain-id gnosis=N"},
		{[]string{"--test-chain", "anvil=http://127.0.0.1:8545", "--chain-id", "anvil=31337"}, "--chain-token anvil:USDC"},
		{[]string{"--test-chain", "anvil=http://127.0.0.1:8545"}, "--test-chain"},
		{[]string{"--chain-id", "base=5"}, "--chain-id: base is built in"},
		{[]string{"--test-chain", "anvil=http://127.0.0.1:8545", "--chain-id", "anvil=x"}, "--chain-id"},
		{[]string{"--chain-id", "nowhere=5"}, "--chain-id: no chain nowhere"},
		{[]string{"--chain-confirmations", "base=0"}, "--chain-confirmations"},
		{[]string{"--chain-confirmations", "base"}, "--chain-confirmations"},
		{[]string{"--chain-token", "base:USDC=0xbad"}, "--chain-token"},
		{[]string{"--chain-token", "base:USDC=0x5fbdb2315678afecb367f032d93F642f64180aa3"}, "EIP-55"},
		{[]string{"--chain-token", "base:USDC=0x5FbDB2315678afecb367f032d93F642f64180aa3:99"}, "--chain-token"},
		{[]string{"--chain-token", "base=0x5FbDB2315678afecb367f032d93F642f64180aa3"}, "--chain-token"},
		{[]string{"--chain-token", "nowhere:USDC=0x5FbDB2315678afecb367f032d93F642f64180aa3"}, "--chain-token: no chain nowhere"},
		{[]string{"--stablecoin-rate", "EUR=abc"}, "--stablecoin-rate"},
		{[]string{"--stablecoin-rate", "EUR=0"}, "--stablecoin-rate"},
		{[]string{"--stablecoin-rate", "EUR=1e3"}, "--stablecoin-rate"},
		{[]string{"--stablecoin-rate", "USD=1"}, "--stablecoin-rate: USD is always 1"},
		{[]string{"--stablecoin-rate", "XYZ=1"}, "--stablecoin-rate"},
		{[]string{"--chain", "base=https://base.example/rpc", "--test-chain", "base=http://127.0.0.1:8545", "--chain-confirmations", "base=1"}, "ambiguous"},
		{[]string{"--chain", "ethereum=https://eth.example/rpc", "--test-chain", "ethereum=http://127.0.0.1:8545",
			"--chain-token", "ethereum:USDC=0x5FbDB2315678afecb367f032d93F642f64180aa3"}, "--chain-token: ethereum is given by both"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := parseServe(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: want an error with %q", err, c.want)
			}
		})
	}
	// A malformed entry is not echoed: its URL may hold an API key.
	for _, bad := range []string{"Base=https://x.example/v2/SECRETKEY", "base=ftp://x.example/v2/SECRETKEY", "base:https://x.example/v2/SECRETKEY"} {
		if _, err := parseServe(t, "--chain", bad); err == nil || strings.Contains(err.Error(), "SECRETKEY") {
			t.Errorf("--chain %s: %v, want refused without the key", bad, err)
		}
	}
}

// An override reaches only the mode whose flag names its chain: a test
// chain's one confirmation and anvil contract never weaken live mode.
func TestStablecoinOverridesPerMode(t *testing.T) {
	anvilUSDC := "0x5FbDB2315678afecb367f032d93F642f64180aa3"
	cfg, err := parseServe(t, "--chain", "ethereum=https://eth.example/rpc", "--test-chain", "anvil=http://127.0.0.1:8545",
		"--chain-id", "anvil=31337", "--chain-token", "anvil:USDC="+anvilUSDC, "--chain-confirmations", "anvil=1",
		"--chain-confirmations", "ethereum=20")
	if err != nil {
		t.Fatal(err)
	}
	live, test := cfg.stablecoin.live, cfg.stablecoin.test
	if _, ok := live.Chains["anvil"]; ok {
		t.Errorf("live has the test chain: %v", live.Chains)
	}
	if eth := live.Chains["ethereum"]; eth.Confirmations != 20 || eth.Tokens["USDC"].Contract.String() == anvilUSDC {
		t.Errorf("live ethereum %+v", eth)
	}
	if anvil := test.Chains["anvil"]; anvil.Confirmations != 1 || anvil.Tokens["USDC"].Contract.String() != anvilUSDC {
		t.Errorf("test anvil %+v", anvil)
	}
	if eth := test.Chains["ethereum"]; eth.Confirmations == 20 {
		t.Errorf("live's override reached test's simulated ethereum: %+v", eth)
	}
}
