// Drives the official Node SDK (@vonage/server-sdk) against a Numbers API host, for the e2e tests.
//
// Usage: node numbers_cycle.mjs '<json>'   (or the JSON on standard input)
//
// The command:
//   {
//     "restHost": "https://127.0.0.1:8443",   // any scheme; trust a private CA with NODE_EXTRA_CA_CERTS
//     "apiKey": "...", "apiSecret": "...",
//     "op": "search" | "owned" | "buy" | "cancel" | "update"        (vonage.numbers)
//         | "balance"                                                  (vonage.accounts)
//         | "listSubAccounts" | "primaryAccount" | "createSubAccount" | "getSubAccount"
//         | "updateSubAccount" | "transferBalance" | "listBalanceTransfers"
//         | "transferCredit" | "listCreditTransfers" | "transferNumber" (@vonage/subaccounts,
//           its apiHost the restHost),
//     "params": { ... }                        // passed to the SDK method as they are
//   }
// or, to run several calls in one process, { "restHost", "apiKey", "apiSecret",
// "calls": [{ "op", "params" }, ...] }: every call runs, in order, whatever the previous one gave.
//
// Prints one JSON line: for a single op, the outcome; for "calls", {"results": [outcome, ...]}.
// An outcome is {"ok": true, "op", "result": <what the SDK method resolved to>} or
// {"ok": false, "op", "error": {"name", "message", "status", "body", "contentType", "code"}}:
// status and body are those of the HTTP response the SDK rejected (a VetchError carries it),
// null when there was none (a connection or TLS failure, whose `code` is set instead).
// Exit status: 0 when the command was understood (SDK errors included), 2 when it was not.

import { readFileSync } from 'node:fs';

import { Auth } from '@vonage/auth';
import { Vonage } from '@vonage/server-sdk';
import { SubAccounts } from '@vonage/subaccounts';

// The package's "exports" hide its package.json from require(): read the installed file.
const SDK_VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@vonage/server-sdk/package.json', import.meta.url), 'utf8'),
).version;

// Each operation gets the clients ({ numbers, accounts, subAccounts }) and the call's params.
const OPERATIONS = {
  search: ({ numbers }, params) => numbers.getAvailableNumbers(params),
  owned: ({ numbers }, params) => numbers.getOwnedNumbers(params),
  buy: ({ numbers }, params) => numbers.buyNumber(params),
  cancel: ({ numbers }, params) => numbers.cancelNumber(params),
  update: ({ numbers }, params) => numbers.updateNumber(params),
  balance: ({ accounts }) => accounts.getBalance(),
  listSubAccounts: ({ subAccounts }) => subAccounts.listSubAccounts(),
  primaryAccount: ({ subAccounts }) => subAccounts.getPrimaryAccount(),
  createSubAccount: ({ subAccounts }, params) => subAccounts.createSubAccount(params),
  getSubAccount: ({ subAccounts }, params) => subAccounts.getSubAccount(params.apiKey),
  updateSubAccount: ({ subAccounts }, params) =>
    subAccounts.updateSubAccount(params.apiKey, params.changes),
  transferBalance: ({ subAccounts }, params) => subAccounts.transferBalance(params),
  listBalanceTransfers: ({ subAccounts }, params) => subAccounts.listBalanceTransfers(params),
  transferCredit: ({ subAccounts }, params) => subAccounts.transferCredit(params),
  listCreditTransfers: ({ subAccounts }, params) => subAccounts.listCreditTransfers(params),
  transferNumber: ({ subAccounts }, params) => subAccounts.transferNumber(params),
};

function usage(message) {
  process.stdout.write(`${JSON.stringify({ usageError: message })}\n`);
  process.exit(2);
}

function readCommand() {
  const text = process.argv[2] ?? readFileSync(0, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    return usage(`the command is not JSON: ${error.message}`);
  }
}

async function describeError(error) {
  const described = {
    name: error?.name ?? null,
    message: error?.message ?? String(error),
    status: null,
    body: null,
    contentType: null,
    code: error?.code ?? error?.cause?.code ?? null,
  };
  const response = error?.response;
  if (response && typeof response.status === 'number') {
    described.status = response.status;
    described.contentType = response.headers?.get?.('content-type') ?? null;
    try {
      const text = await response.text();
      try {
        described.body = JSON.parse(text);
      } catch {
        described.body = text;
      }
    } catch (readError) {
      described.body = `<unreadable body: ${readError.message}>`;
    }
  }
  return described;
}

async function run(clients, call) {
  const operation = OPERATIONS[call?.op];
  if (!operation) {
    return usage(`unknown op ${JSON.stringify(call?.op)}; one of ${Object.keys(OPERATIONS)}`);
  }
  try {
    // The SDK mutates some parameter objects (updateNumber deletes appId): give it a copy.
    const result = await operation(clients, structuredClone(call.params ?? {}));
    return { ok: true, op: call.op, result: result ?? null };
  } catch (error) {
    return { ok: false, op: call.op, error: await describeError(error) };
  }
}

async function main() {
  const command = readCommand();
  for (const field of ['restHost', 'apiKey', 'apiSecret']) {
    if (typeof command[field] !== 'string') usage(`"${field}" (a string) is required`);
  }
  const auth = new Auth({ apiKey: command.apiKey, apiSecret: command.apiSecret });
  const vonage = new Vonage(auth, { restHost: command.restHost });
  const clients = {
    numbers: vonage.numbers,
    accounts: vonage.accounts,
    // The Subaccounts API is on api.nexmo.com: the mock serves it on the same listener.
    subAccounts: new SubAccounts(auth, { apiHost: command.restHost }),
  };
  let output;
  if (Array.isArray(command.calls)) {
    const results = [];
    for (const call of command.calls) results.push(await run(clients, call));
    output = { sdkVersion: SDK_VERSION, results };
  } else {
    output = { sdkVersion: SDK_VERSION, ...(await run(clients, command)) };
  }
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

await main();
