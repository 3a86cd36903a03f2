package checkout

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/avast/retry-go/v4"
	"github.com/cenkalti/backoff/v4"
	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"
)

const riskTimeout = 500 * time.Millisecond

var riskURL = os.Getenv("RISK_SERVICE_URL")

func Score(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, riskTimeout) // @fact timeout ms=500 target=risk
	defer cancel()
	for attempt := 0; attempt < 3; attempt++ { // @fact retry attempts=3 counts=all-tries target=risk
		id := uuid.NewString() // @fact new-id-in-retry target=risk
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, riskURL+"/score", nil)
		req.Header.Set("Idempotency-Key", id) // @fact idempotency-key target=risk
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		resp.Body.Close()
		return nil
	}
	return nil
}

func NewPaymentClient() *http.Client {
	paymentClient := &http.Client{Timeout: 2 * time.Second} // @fact timeout ms=2000 target=payment
	return paymentClient
}

func Ship(ctx context.Context) error {
	return retry.Do( // @fact retry attempts=5 counts=all-tries target=shipping
		func() error {
			_, err := http.Post("http://shipping:8080/ship", "application/json", nil)
			return err
		},
		retry.Attempts(5),
	)
}

func Reserve(ctx context.Context) error {
	op := func() error {
		_, err := http.Get("http://inventory/reserve")
		return err
	}
	return backoff.Retry(op, backoff.WithMaxRetries(backoff.NewExponentialBackOff(), 3)) // @fact retry attempts=3 counts=retries target=inventory
}

func Ledger() *retryablehttp.Client {
	ledgerClient := retryablehttp.NewClient()
	ledgerClient.RetryMax = 2 // @fact retry attempts=2 counts=retries target=ledger
	return ledgerClient
}

const serviceConfig = `{
  "methodConfig": [{
    "name": [{ "service": "shipping.v1.ShippingService" }],
    "timeout": "1.5s",
    "retryPolicy": { "maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2 }
  }]
}`

// a gRPC service config in a string: @fact^5 timeout ms=1500 target=shipping
// and its retry policy: @fact^5 retry attempts=4 counts=all-tries target=shipping

func Unrelated() {
	timeout := 30 * time.Second // not a client timeout
	_ = timeout
	traceID := uuid.New() // not in a retry path
	_ = traceID
	srv := &http.Server{ReadTimeout: 5 * time.Second} // a server, not a client
	_ = srv
}

func Purchases(ctx context.Context, s *Store) error {
	_, err := s.ordersReplica.QueryContext(ctx, "SELECT 1") // @fact replica-read target=orders
	if err != nil {
		eventID := uuid.New() // an error handler @fact new-id-in-retry target=none
		_ = eventID
	}
	return err
}
