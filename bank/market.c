/*
 * What the bank shows everyone: a catalogue, the payees of bills,
 * exchange rates and share quotes.  Quotes move: each is a deterministic
 * function of the quote step (a new one every QUOTE_PERIOD seconds), two
 * slow sine waves around a base price, so that a page and the trade it
 * posts agree on the price without any stored state.  A demonstration:
 * anyone can compute tomorrow's quotes.
 */
#include <math.h>
#include <string.h>

#include "bank.h"

const market_item market_items[] = {
	{ "pen", "Fountain pen", 4500 },
	{ "notebook", "Dotted notebook, A5", 1290 },
	{ "coffee", "Coffee beans, 1 kg", 2450 },
	{ "headphones", "Wireless headphones", 12900 },
	{ "lock", "Bicycle lock", 3999 },
	{ "ticket", "Concert ticket", 6500 },
};
const size_t market_nitems = sizeof market_items / sizeof market_items[0];

const market_payee market_payees[] = {
	{ "power", "City Power & Light" },
	{ "water", "Water Board" },
	{ "phone", "Telco Mobile" },
	{ "rent", "Parkside Flats (rent)" },
	{ "tax", "Tax Office" },
};
const size_t market_npayees = sizeof market_payees / sizeof market_payees[0];

const market_share market_shares[] = {
	{ "SGL", "Sigil Systems", 14250 },
	{ "ACME", "Acme Industries", 8735 },
	{ "BLUE", "Blue Harbour Shipping", 2310 },
	{ "OPEN", "Open Energy", 5620 },
};
const size_t market_nshares = sizeof market_shares / sizeof market_shares[0];

const market_rate market_rates[] = {
	{ "USD", "US dollar", 10842 },
	{ "GBP", "Pound sterling", 8571 },
	{ "CHF", "Swiss franc", 9563 },
	{ "JPY", "Japanese yen", 1624100 },
	{ "SEK", "Swedish krona", 113200 },
};
const size_t market_nrates = sizeof market_rates / sizeof market_rates[0];

const market_item *market_item_find(const char *id)
{
	for (size_t i = 0; i < market_nitems; i++)
		if (strcmp(market_items[i].id, id) == 0)
			return &market_items[i];
	return NULL;
}

const market_payee *market_payee_find(const char *id)
{
	for (size_t i = 0; i < market_npayees; i++)
		if (strcmp(market_payees[i].id, id) == 0)
			return &market_payees[i];
	return NULL;
}

const market_share *market_share_find(const char *symbol)
{
	for (size_t i = 0; i < market_nshares; i++)
		if (strcmp(market_shares[i].symbol, symbol) == 0)
			return &market_shares[i];
	return NULL;
}

int64_t quote_step(int64_t now)
{
	return now >= 0 ? now / QUOTE_PERIOD : -((-now + QUOTE_PERIOD - 1) / QUOTE_PERIOD);
}

/* base * (1 + a sin(2 pi k / p1 + phase) + b sin(2 pi k / p2 + 2 phase)),
 * the phase from the symbol so that the shares do not move in step. */
static int64_t wave(int64_t base, int64_t k, unsigned seed, double a, double b)
{
	const double tau = 6.283185307179586;
	double phase = (double)(seed % 97) / 97.0 * tau;
	double x = (double)(k % 1000003);
	double f = 1.0 + a * sin(tau * x / 47.0 + phase) + b * sin(tau * x / 13.0 + 2.0 * phase);
	int64_t v = (int64_t)llround((double)base * f);
	return v > 0 ? v : 1;
}

static unsigned seed_of(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int64_t quote_price(const market_share *s, int64_t k)
{
	return wave(s->base, k, seed_of(s->symbol), 0.06, 0.02);
}

int64_t rate_at(const market_rate *r, int64_t k)
{
	/* Rates move by the hour, and little. */
	return wave(r->base, k / 60, seed_of(r->code), 0.004, 0.001);
}
