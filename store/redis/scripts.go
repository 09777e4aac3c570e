package redis

import (
	"embed"

	goredis "github.com/redis/go-redis/v9"
)

// The scripts, each prepended with lua/prelude.lua. They are sent as
// EVALSHA, and as EVAL only when the server lacks them (see pipe.go), after
// which it has them cached.
//
//go:embed lua/*.lua
var lua embed.FS

var (
	createAccountScript    = script("create_account")
	updateAccountScript    = script("update_account")
	createKeyScript        = script("create_key")
	createSessionScript    = script("create_session")
	commitScript           = script("commit")
	pageScript             = script("page")
	dueScript              = script("due")
	idemClaimScript        = script("idem_claim")
	idemFinishScript       = script("idem_finish")
	idemReleaseScript      = script("idem_release")
	idemPruneScript        = script("idem_prune")
	endpointCreateScript   = script("endpoint_create")
	endpointUpdateScript   = script("endpoint_update")
	endpointDeleteScript   = script("endpoint_delete")
	claimEventsScript      = script("claim_events")
	dispatchScript         = script("dispatch")
	insertDeliveriesScript = script("insert_deliveries")
	claimDeliveriesScript  = script("claim_deliveries")
	updateDeliveryScript   = script("update_delivery")
	findKeysScript         = script("find_keys")
	getKeyScript           = script("get_key")
	revokeKeyScript        = script("revoke_key")
	rollKeyScript          = script("roll_key")
	touchKeyScript         = script("touch_key")
	indexKeyScript         = script("index_key")
	objectGetScript        = script("object_get")
	paymentRefScript       = script("payment_ref")
	indexLookupsScript     = script("index_lookups")
	pendingScript          = script("pending")
	indexPendingScript     = script("index_pending")
)

func script(name string) *goredis.Script {
	prelude, err := lua.ReadFile("lua/prelude.lua")
	if err != nil {
		panic(err)
	}
	body, err := lua.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return goredis.NewScript(string(prelude) + "\n" + string(body))
}
