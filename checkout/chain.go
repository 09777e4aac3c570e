package checkout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ChainReader reads one EVM chain for the service's chain watcher: the
// head, a block's header (to tell whether a block is still canonical) and
// the token transfers in a range of blocks. The stablecoin provider builds
// one per configured chain and mode; the service holds everything the
// watcher keeps (lease, cursor, the payments it watches), so a reader is
// stateless and any replica can use its own.
type ChainReader interface {
	// Chain is the operator's name for the chain (Deposit.Chain).
	Chain() string
	// Confirmations is how deep a transfer must be before it counts (the
	// transfer's own block is one); also how far the watcher rewinds when
	// the block it stopped at is no longer canonical.
	Confirmations() int
	// Head is the number of the latest block.
	Head(ctx context.Context) (uint64, error)
	// Block is block n's header as the node sees it now. KindNotFound when
	// the chain has no block n (yet, or any more after a reorganisation).
	Block(ctx context.Context, n uint64) (ChainBlock, error)
	// Transfers are the ERC-20 transfers of the chain's configured tokens
	// in blocks from..to (both included), in chain order. The range is
	// the caller's to bound (see MaxRange).
	Transfers(ctx context.Context, from, to uint64) ([]ChainTransfer, error)
	// MaxRange is how many blocks one Transfers call may span (nodes
	// refuse wide log queries).
	MaxRange() uint64
}

// ChainBlock is a block's header, what the watcher compares.
type ChainBlock struct {
	Number uint64
	Hash   string // 0x-hex, lower case
	Time   time.Time
}

// ChainTransfer is one token transfer in a block: the transfer as a
// deposit records it, with the token's contract and the recipient.
type ChainTransfer struct {
	Transfer
	Contract string // EIP-55
	To       string // EIP-55
	// Token is the contract's token as the chain's configuration names it
	// (USDC), for logs.
	Token string
}

// ChainCursorKind is the ObjectKind of a ChainCursor.
const ChainCursorKind = "chain_cursor"

// ChainScope is the scope every ChainCursor lives in: a chain belongs to
// the operator, not to an account.
func ChainScope(livemode bool) Scope { return Scope{AccountID: "chains", Livemode: livemode} }

// ChainCursor is a chain watcher's stored state, one per mode and chain:
// the lease that lets one replica at a time watch the chain, and the last
// block whose transfers are applied, with its hash (to notice that a
// reorganisation replaced it). Both change only by compare-and-set.
type ChainCursor struct {
	Livemode bool
	Chain    string
	// Owner is the watcher holding the lease, until LeaseUntil.
	Owner      string
	LeaseUntil time.Time
	// Block and BlockHash are the last block scanned and applied; zero
	// before the first scan.
	Block     uint64
	BlockHash string
	Version   int64
	Created   time.Time
	Updated   time.Time
}

// ChainCursorID is the id of chain's cursor in a mode. The chain's name
// is the operator's, so it is hashed into an id of a fixed shape.
func ChainCursorID(livemode bool, chain string) string {
	mode := "test"
	if livemode {
		mode = "live"
	}
	h := sha256.Sum256([]byte(mode + "\x00" + chain))
	return "chaincur_" + mode + "_" + hex.EncodeToString(h[:16])
}

// ObjectKind implements Object.
func (c *ChainCursor) ObjectKind() string { return ChainCursorKind }

// ObjectID implements Object.
func (c *ChainCursor) ObjectID() string { return ChainCursorID(c.Livemode, c.Chain) }

// Scope implements Object.
func (c *ChainCursor) Scope() Scope { return ChainScope(c.Livemode) }

// ObjectVersion implements Object.
func (c *ChainCursor) ObjectVersion() int64 { return c.Version }

// ObjectCreated implements Object.
func (c *ChainCursor) ObjectCreated() time.Time { return c.Created }

// LookupKeys implements Object: none; a cursor is read by id only.
func (c *ChainCursor) LookupKeys() []string { return nil }
