"""Helpers shared by every test folder: servers, accounts, data, clients, oracles and checks."""
