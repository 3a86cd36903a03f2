package com.example.checkout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.retry.RetryConfig;
import org.springframework.retry.annotation.Backoff;
import org.springframework.retry.annotation.Retryable;

public class RiskClient {
  private static final long RISK_TIMEOUT_MS = 500;

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofMillis(RISK_TIMEOUT_MS)) // @fact timeout ms=500 target=risk
      .build();

  @Retryable(maxAttempts = 3, backoff = @Backoff(delay = 100)) // @fact retry attempts=3 counts=all-tries target=risk
  public String score(String body) throws Exception {
    String transactionId = UUID.randomUUID().toString(); // @fact new-id-in-retry target=risk
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://risk:8080/score"))
        .timeout(Duration.ofSeconds(2)) // @fact timeout ms=2000 target=risk
        .header("Idempotency-Key", transactionId) // @fact idempotency-key target=risk
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  public Object grpcScore(RiskServiceGrpc.RiskServiceBlockingStub riskStub, Object req) {
    return riskStub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).score(req); // @fact timeout ms=300 target=risk
  }

  RetryConfig retryConfig() {
    return RetryConfig.custom().maxAttempts(4).waitDuration(Duration.ofMillis(200)).build(); // @fact retry attempts=4 counts=all-tries target=risk
  }

  void unrelated() {
    int timeout = 30; // a variable named timeout
    String correlationId = UUID.randomUUID().toString(); // not in a retry path
    try {
      Thread.sleep(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
