"""An application that uses the Vonage SDK with no base URL override: it reaches rest.nexmo.com,
which on this network is the mock.

Then eight workers run at once, each in a world of its own (POST /_mock/worlds on the same host
gives fresh credentials): every one buys the same number, which only works because no worker
sees another's purchases.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from vonage import Auth, Vonage
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter

MOCK = "https://rest.nexmo.com"
CA = os.environ["REQUESTS_CA_BUNDLE"]
WORKERS = 8


def search(client: Vonage) -> tuple[list, int]:
    found, count, _ = client.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)
    )
    return found, count


auth = Auth(api_key=os.environ["VONAGE_API_KEY"], api_secret=os.environ["VONAGE_API_SECRET"])
client = Vonage(auth)

# Older compose implementations start services in order without waiting for health: retry.
for _attempt in range(30):
    try:
        found, count = search(client)
        break
    except Exception as error:
        print(f"waiting for rest.nexmo.com ({error.__class__.__name__})", flush=True)
        time.sleep(1)
else:
    raise SystemExit("rest.nexmo.com never answered")

msisdn = found[0].msisdn
client.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn))
owned, total, _ = client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
assert msisdn in [n.msisdn for n in owned], owned
client.numbers.cancel_number(NumberParams(country="GB", msisdn=msisdn))
print(f"drop-in OK: {count} GB numbers for sale at rest.nexmo.com; bought and cancelled {msisdn}")


def worker(index: int) -> str:
    made = requests.post(
        f"{MOCK}/_mock/worlds", json={"name": f"worker {index}"}, verify=CA, timeout=10
    )
    made.raise_for_status()
    world = made.json()
    mine = next(a for a in world["accounts"] if a["role"] == "primary")
    sdk = Vonage(Auth(api_key=mine["api_key"], api_secret=mine["api_secret"]))
    found, _ = search(sdk)
    number = NumberParams(country="GB", msisdn=found[0].msisdn)
    sdk.numbers.buy_number(number)  # the same number in every world
    owned, _, _ = sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    assert found[0].msisdn in [n.msisdn for n in owned], owned
    sdk.numbers.cancel_number(number)
    requests.delete(f"{MOCK}/_mock/worlds/{world['id']}", verify=CA, timeout=10).raise_for_status()
    return found[0].msisdn


with ThreadPoolExecutor(WORKERS) as pool:
    bought = list(pool.map(worker, range(WORKERS)))
assert len(set(bought)) == 1, bought
print(f"worlds OK: {WORKERS} workers in their own worlds each bought and cancelled {bought[0]}")
