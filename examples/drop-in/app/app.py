"""An application that uses the Vonage SDK with no base URL override: it reaches rest.nexmo.com,
which on this network is the mock."""

import os
import time

from vonage import Auth, Vonage
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter

auth = Auth(api_key=os.environ["VONAGE_API_KEY"], api_secret=os.environ["VONAGE_API_SECRET"])
client = Vonage(auth)

# Older compose implementations start services in order without waiting for health: retry.
for _attempt in range(30):
    try:
        found, count, _ = client.numbers.search_available_numbers(
            SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)
        )
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
