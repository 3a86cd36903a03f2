import os
import uuid
import asyncio

import backoff
import httpx
import requests
from requests.adapters import HTTPAdapter
from tenacity import retry, stop_after_attempt, wait_exponential
from urllib3.util.retry import Retry

RISK_URL = os.getenv("RISK_SERVICE_URL", "http://risk:8080")
RISK_TIMEOUT = 0.2
ORDERS_TIMEOUT_MS = 750


@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.1))  # @fact retry attempts=3 counts=all-tries target=risk
def score(transaction):
    transaction["transaction_id"] = str(uuid.uuid4())  # @fact new-id-in-retry target=risk
    response = requests.post(f"{RISK_URL}/score", json=transaction, timeout=RISK_TIMEOUT)  # @fact timeout ms=200 target=risk
    response.raise_for_status()
    return response.json()


@backoff.on_exception(backoff.expo, httpx.TransportError, max_tries=5)  # @fact retry attempts=5 counts=all-tries target=payment
async def authorize(payment):
    async with httpx.AsyncClient(base_url="http://payment.internal") as client:
        return await client.post("/authorize", json=payment, timeout=httpx.Timeout(2.5))  # @fact timeout ms=2500 target=payment


def orders_session():
    session = requests.Session()
    retries = Retry(total=4, backoff_factor=0.2, status_forcelist=[502, 503])  # @fact retry attempts=4 counts=retries target=orders
    session.mount("http://", HTTPAdapter(max_retries=retries))
    session.get("http://orders/health", timeout=ORDERS_TIMEOUT_MS / 1000)  # @fact timeout ms=750 target=orders
    return session


def fetch_profile(user_id):
    for attempt in range(1, 4):  # @fact retry attempts=3 counts=all-tries target=profile
        try:
            return requests.get(f"http://profile-service/users/{user_id}", timeout=(3.05, 10))  # @fact timeout ms=10000 target=profile
        except requests.ConnectionError:
            request_id = uuid.uuid4()  # @fact new-id-in-retry target=profile
            continue


async def ledger(entry):
    return await asyncio.wait_for(post_ledger(entry), timeout=float(os.environ["LEDGER_TIMEOUT"]))  # @fact timeout unresolved target=none


def unrelated():
    timeout = 30  # a variable named timeout, no client
    token = uuid.uuid4()  # not in a retry path
    import subprocess
    subprocess.run(["ls"], timeout=5)  # a process, not a service
    return token, timeout


def purchases(user_id):
    return db.replica.execute("SELECT * FROM purchases WHERE user_id = %s", (user_id,))  # @fact replica-read target=none


def recent_orders(user_id):
    return Order.objects.using("orders_replica").filter(user_id=user_id)  # @fact replica-read target=orders


def idempotent_post(body, key):
    return requests.post("http://billing/charges", json=body, headers={"Idempotency-Key": key}, timeout=1)  # @fact timeout ms=1000 target=billing; idempotency-key target=billing
