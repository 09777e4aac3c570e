package evm

// PublicTestXpub is the master public key of BIP32's published test
// vector 1. Its private key is published with it: coins sent to an address
// derived from it on a real chain can be taken by anyone. It serves test
// mode only (see provider/stablecoin.TestXpub).
const PublicTestXpub = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8"

// publicTestKeyID is PublicTestXpub's ID.
var publicTestKeyID = func() string {
	k, err := ParseExtendedKey(PublicTestXpub)
	if err != nil {
		panic("evm: PublicTestXpub does not parse: " + err.Error())
	}
	return k.ID()
}()

// IsPublicTestKey reports whether k is PublicTestXpub (whatever its
// version bytes or depth say): a key whose private half anyone has, never
// one to receive real payments.
func (k *ExtendedKey) IsPublicTestKey() bool { return k.ID() == publicTestKeyID }
