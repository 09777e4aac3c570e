package evm

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

// transferLog is an ERC-20 Transfer log as eth_getLogs answers it: 25
// USDC (25000000 units) from anvil's account 0 to account 1.
const transferLog = `{
  "address": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
  "topics": [
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
    "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
  ],
  "data": "0x00000000000000000000000000000000000000000000000000000000017d7840",
  "blockNumber": "0x10",
  "transactionHash": "0x4c3f2e0e4f4d0a0b8f1f6e1a9b2f0c5d7e8a9b0c1d2e3f405162738495a6b7c8",
  "logIndex": "0x0",
  "removed": false
}`

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readLog(t *testing.T) ([][]byte, []byte) {
	var l struct {
		Topics []string
		Data   string
	}
	if err := json.Unmarshal([]byte(transferLog), &l); err != nil {
		t.Fatal(err)
	}
	var topics [][]byte
	for _, s := range l.Topics {
		topics = append(topics, unhex(t, s))
	}
	return topics, unhex(t, l.Data)
}

func TestTransferTopic(t *testing.T) {
	if TransferTopic != "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef" {
		t.Fatalf("TransferTopic = %s", TransferTopic)
	}
}

func TestDecodeTransfer(t *testing.T) {
	topics, data := readLog(t)
	from, to, amount, err := DecodeTransfer(topics, data)
	if err != nil {
		t.Fatal(err)
	}
	if from.String() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" || to.String() != "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" || amount.String() != "25000000" {
		t.Errorf("DecodeTransfer = %s, %s, %s", from, to, amount)
	}
	// A uint256 amount past int64 reads whole.
	max := make([]byte, 32)
	for i := range max {
		max[i] = 0xff
	}
	if _, _, amount, err := DecodeTransfer(topics, max); err != nil || amount.Cmp(maxUint256) != 0 {
		t.Errorf("the largest amount: %v, %v", amount, err)
	}
}

func TestDecodeTransferRefusals(t *testing.T) {
	topics, data := readLog(t)
	clone := func() [][]byte {
		var c [][]byte
		for _, tp := range topics {
			c = append(c, append([]byte(nil), tp...))
		}
		return c
	}
	// An ERC-721 Transfer of token id 7: the same signature, the id as a
	// fourth topic, no data.
	erc721 := append(clone(), unhex(t, "0x0000000000000000000000000000000000000000000000000000000000000007"))
	approval := clone()
	approval[0] = unhex(t, "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")
	dirtyPadding := clone()
	dirtyPadding[2][0] = 1
	shortTopic := clone()
	shortTopic[1] = shortTopic[1][1:]
	for _, tc := range []struct {
		name   string
		topics [][]byte
		data   []byte
		says   string
	}{
		{"ErrERC721", erc721, nil, "3 topics; this one has 4"},
		{"ErrTwoTopics", clone()[:2], data, "has 2"},
		{"ErrNoTopics", nil, data, "has 0"},
		{"ErrApproval", approval, data, "not the Transfer event"},
		{"ErrPaddedNotAnAddress", dirtyPadding, data, "topic 2 is not an address"},
		{"ErrShortTopic", shortTopic, data, "topic 1 is 31 bytes"},
		{"ErrNoData", clone(), nil, "0 bytes"},
		{"ErrShortData", clone(), data[1:], "31 bytes"},
		{"ErrLongData", clone(), append(append([]byte(nil), data...), 0), "33 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, amount, err := DecodeTransfer(tc.topics, tc.data)
			if err == nil {
				t.Fatalf("taken: %s", amount)
			}
			if amount != nil {
				t.Errorf("an amount with the error: %s", amount)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
}
