// Package evmtest holds public test data for code that derives deposit
// addresses: the extended public key of anvil's default accounts, so a
// test can have checkoutd derive deposit addresses that anvil's unlocked
// accounts are. It holds no private key material: the mnemonic stays in
// internal/evm's test that computes this key.
package evmtest

// AnvilXpub is the extended public key of m/44'/60'/0'/0 under anvil's
// default mnemonic: its child at index i is anvil's account i. Computed
// and checked by internal/evm's TestAnvilMnemonic.
const AnvilXpub = "xpub6DyUKdwoLWmUJ4Tn9Bbsdtx7B5Ws18mEN19e5HT52ikE53FiUheSQXrZUNPovqfyKmw4579A1Mm3GXXKM39N64uooBfJ4tNAzFsEbodRTx4"

// AnvilAddresses are anvil's first accounts, AnvilXpub's children 0, 1
// and 2, in their EIP-55 form.
var AnvilAddresses = []string{
	"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
	"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
	"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
}
