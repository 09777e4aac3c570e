package evm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// TransferTopic is the first topic of every ERC-20 (and ERC-721) Transfer
// log: the Keccak-256 of "Transfer(address,address,uint256)", as 0x and
// lower-case hex, the form eth_getLogs filters take.
var TransferTopic = "0x" + hex.EncodeToString(transferTopic)

var transferTopic = Keccak256([]byte("Transfer(address,address,uint256)"))

// DecodeTransfer reads an ERC-20 Transfer log: three topics (the event's
// signature, then from and to, each an address left-padded to 32 bytes)
// and the amount as the log's 32 bytes of data. An ERC-721 Transfer has
// the same signature but a fourth topic (the token id) and no data: it
// moves an NFT, not an amount, and is refused.
func DecodeTransfer(topics [][]byte, data []byte) (from, to Address, amount *big.Int, err error) {
	if len(topics) != 3 {
		return from, to, nil, fmt.Errorf("a Transfer log of an ERC-20 token has 3 topics; this one has %d", len(topics))
	}
	for i, t := range topics {
		if len(t) != 32 {
			return from, to, nil, fmt.Errorf("topic %d is %d bytes: a topic is 32", i, len(t))
		}
	}
	if !bytes.Equal(topics[0], transferTopic) {
		return from, to, nil, errors.New("topic 0 is not the Transfer event's signature")
	}
	for i, dst := range []*Address{&from, &to} {
		t := topics[i+1]
		if !bytes.Equal(t[:12], make([]byte, 12)) {
			return Address{}, Address{}, nil, fmt.Errorf("topic %d is not an address: its first 12 bytes are not zero", i+1)
		}
		copy(dst[:], t[12:])
	}
	if len(data) != 32 {
		return Address{}, Address{}, nil, fmt.Errorf("the data of an ERC-20 Transfer is its 32-byte amount; this one is %d bytes", len(data))
	}
	return from, to, new(big.Int).SetBytes(data), nil
}
