package http

import (
	"github.com/checkoutd/checkoutd/service"
)

// A session's device push (service.DevicePush) in each dialect's casing.

// devicePushJSON is the canonical API's device_push.
type devicePushJSON struct {
	Status         string  `json:"status"`
	FailureCode    *string `json:"failure_code"`
	FailureMessage *string `json:"failure_message"`
}

func canonicalDevicePush(d *service.DevicePushState) *devicePushJSON {
	if d == nil {
		return nil
	}
	return &devicePushJSON{Status: d.Status, FailureCode: optString(d.FailureCode), FailureMessage: optString(d.FailureMessage)}
}

// v2DevicePush is seed 002's devicePush.
type v2DevicePush struct {
	Status         string  `json:"status"`
	FailureCode    *string `json:"failureCode"`
	FailureMessage *string `json:"failureMessage"`
}

func v2DevicePushOf(d *service.DevicePushState) *v2DevicePush {
	if d == nil {
		return nil
	}
	return &v2DevicePush{Status: d.Status, FailureCode: optString(d.FailureCode), FailureMessage: optString(d.FailureMessage)}
}
