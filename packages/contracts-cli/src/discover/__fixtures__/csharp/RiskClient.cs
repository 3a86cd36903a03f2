using System;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Polly;

public static class Clients
{
    private const int RiskTimeoutMs = 500;

    public static void Register(IServiceCollection services)
    {
        services.AddHttpClient("risk", c => // the client named risk
        {
            c.BaseAddress = new Uri("http://risk:8080");
            c.Timeout = TimeSpan.FromMilliseconds(RiskTimeoutMs); // @fact timeout ms=500 target=risk
        }).AddStandardResilienceHandler(); // @fact retry unresolved counts=retries target=risk; timeout unresolved target=risk

        services.AddHttpClient<PaymentClient>()
            .AddResilienceHandler("payment", builder => // the pipeline
            {
                builder.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 4 }); // @fact retry attempts=4 counts=retries target=payment
                builder.AddTimeout(TimeSpan.FromSeconds(2)); // @fact timeout ms=2000 target=payment
            });
    }
}

public static class Policies
{
    public static void Register(IServiceCollection services) =>
        services.AddHttpClient<ICatalogService, CatalogService>()
            .AddTransientHttpErrorPolicy(p => p.WaitAndRetryAsync(6, attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)))); // @fact retry attempts=6 counts=retries target=catalog
}

public class LedgerClient
{
    private readonly HttpClient ledgerClient = new HttpClient { Timeout = TimeSpan.FromSeconds(5) }; // @fact timeout ms=5000 target=ledger

    public async Task Post(object entry)
    {
        var policy = Policy.Handle<HttpRequestException>().WaitAndRetryAsync(3, i => TimeSpan.FromMilliseconds(100 * i)); // @fact retry attempts=3 counts=retries target=ledger
        await policy.ExecuteAsync(async () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/entries");
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString()); // @fact idempotency-key target=ledger; new-id-in-retry target=ledger
            await ledgerClient.SendAsync(request);
        });
    }

    public void Unrelated()
    {
        var timeout = 30; // a variable named timeout
        var id = Guid.NewGuid(); // not in a retry path
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeout)); // @fact timeout ms=30000 target=ledger
    }
}

public class OrdersDb
{
    public void Configure(DbContextOptionsBuilder options) =>
        options.UseSqlServer("Server=orders-db;Database=orders", sql => sql.EnableRetryOnFailure(5)); // @fact retry attempts=5 counts=retries target=none
}
