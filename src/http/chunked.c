/*
 * Chunked transfer coding decoder (RFC 9112 7.1), one byte of framing at
 * a time and whole spans of data, so the input may be cut anywhere:
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 * Limits: 16 hex digits of chunk-size (leading zeros included, so a
 * size never overflows 64 bits), 1024 bytes of chunk-ext a line (a peer
 * could otherwise make us scan forever without delivering data), and the
 * trailer section as large as a head: 8192 bytes a line, 16384 in all,
 * 100 fields.  Line ends are CR LF only, as in heads.
 */
#include "http/http.h"

#include "http/internal.h"

enum {
	ST_SIZE,        /* chunk-size digits */
	ST_EXT_WS,      /* BWS after the size: only SP, HTAB or ';' */
	ST_EXT,         /* chunk-ext after ';', up to CR */
	ST_SIZE_LF,     /* LF ending the chunk-size line */
	ST_DATA,
	ST_DATA_CR,     /* CR LF after chunk-data */
	ST_DATA_LF,
	ST_TRL_START,   /* start of a trailer line, or the final CR */
	ST_TRL_NAME,
	ST_TRL_VALUE,
	ST_TRL_LF,
	ST_FINAL_LF,
	ST_DONE,
	ST_ERROR,
};

void sg_http_chunked_init(sg_http_chunked *c)
{
	c->state = ST_SIZE;
	c->digits = 0;
	c->remaining = 0;
	c->total = 0;
	c->ext_len = 0;
	c->line_len = 0;
	c->trailer_len = 0;
	c->trailers = 0;
	c->why = NULL;
}

static int hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int cfail(sg_http_chunked *c, size_t at, size_t *consumed, const char *why)
{
	c->state = ST_ERROR;
	c->why = why;
	*consumed = at;
	return -1;
}

/* After the size line: data, or the trailer section for the last chunk. */
static void size_line_done(sg_http_chunked *c)
{
	c->state = c->remaining == 0 ? ST_TRL_START : ST_DATA;
	c->digits = 0;
	c->ext_len = 0;
}

int sg_http_chunked_feed(sg_http_chunked *c, const char *in, size_t len, size_t *consumed,
                         const char **body, size_t *body_len)
{
	static const char bare_lf[] = "a chunked body line ends in a bare LF or a lone CR (RFC 9112 7.1)";
	size_t i = 0;
	*body = NULL;
	*body_len = 0;
	*consumed = 0;
	if (c->state == ST_ERROR)
		return -1;
	if (c->state == ST_DONE)
		return 1;
	while (i < len) {
		uint8_t ch = (uint8_t)in[i];
		int h;
		switch (c->state) {
		case ST_SIZE:
			h = hexval(ch);
			if (h >= 0) {
				if (c->digits == SG_HTTP_MAX_CHUNK_DIGITS)
					return cfail(c, i, consumed, "a chunk-size has more than 16 hex digits");
				c->remaining = c->remaining << 4 | (uint64_t)h;
				c->digits++;
				break;
			}
			if (c->digits == 0)
				return cfail(c, i, consumed, "a chunk does not start with a hex chunk-size (RFC 9112 7.1)");
			if (ch == '\r')
				c->state = ST_SIZE_LF;
			else if (ch == ';' || ch == ' ' || ch == '\t') {
				/* chunk-ext starts here; its length counts from
				 * this byte. */
				c->ext_len = 1;
				c->state = ch == ';' ? ST_EXT : ST_EXT_WS;
			} else
				return cfail(c, i, consumed, "a chunk-size is followed by something other than chunk-ext or CR LF");
			break;
		case ST_EXT_WS:
			/* RFC 9112 7.1.1: BWS is only allowed before ';'. */
			if (++c->ext_len > SG_HTTP_MAX_CHUNK_EXT)
				return cfail(c, i, consumed, "chunk extensions longer than 1024 bytes");
			if (ch == ';')
				c->state = ST_EXT;
			else if (ch != ' ' && ch != '\t')
				return cfail(c, i, consumed, "whitespace after a chunk-size is not followed by ';' (RFC 9112 7.1.1)");
			break;
		case ST_EXT:
			/* Extensions are ignored (RFC 9112 7.1.1), but bounded
			 * and free of control bytes. */
			if (ch == '\r') {
				c->state = ST_SIZE_LF;
				break;
			}
			if (++c->ext_len > SG_HTTP_MAX_CHUNK_EXT)
				return cfail(c, i, consumed, "chunk extensions longer than 1024 bytes");
			if (!sg_http_is_value_char(ch))
				return cfail(c, i, consumed, "a chunk extension holds a control character");
			break;
		case ST_SIZE_LF:
			if (ch != '\n')
				return cfail(c, i, consumed, bare_lf);
			size_line_done(c);
			break;
		case ST_DATA: {
			size_t take = len - i;
			if ((uint64_t)take > c->remaining)
				take = (size_t)c->remaining;
			if (c->total > UINT64_MAX - take)
				return cfail(c, i, consumed, "a chunked body longer than 2^64 bytes");
			*body = in + i;
			*body_len = take;
			c->remaining -= take;
			c->total += take;
			if (c->remaining == 0)
				c->state = ST_DATA_CR;
			*consumed = i + take;
			return 0;
		}
		case ST_DATA_CR:
			if (ch != '\r')
				return cfail(c, i, consumed, "chunk-data is not followed by CR LF (RFC 9112 7.1)");
			c->state = ST_DATA_LF;
			break;
		case ST_DATA_LF:
			if (ch != '\n')
				return cfail(c, i, consumed, bare_lf);
			c->state = ST_SIZE;
			c->remaining = 0;
			break;
		case ST_TRL_START:
			if (++c->trailer_len > SG_HTTP_MAX_TRAILER)
				return cfail(c, i, consumed, "a trailer section larger than 16384 bytes");
			if (ch == '\r') {
				c->state = ST_FINAL_LF;
				break;
			}
			if (!sg_http_is_tchar(ch))
				return cfail(c, i, consumed, "a trailer line does not start with a field name (obs-fold is refused, RFC 9112 5.2)");
			if (++c->trailers > SG_HTTP_MAX_TRAILERS)
				return cfail(c, i, consumed, "more than 100 trailer fields");
			c->line_len = 1;
			c->state = ST_TRL_NAME;
			break;
		case ST_TRL_NAME:
		case ST_TRL_VALUE:
			if (++c->trailer_len > SG_HTTP_MAX_TRAILER)
				return cfail(c, i, consumed, "a trailer section larger than 16384 bytes");
			if (ch == '\r' && c->state == ST_TRL_VALUE) {
				c->state = ST_TRL_LF;
				break;
			}
			if (++c->line_len > SG_HTTP_MAX_FIELD_LINE)
				return cfail(c, i, consumed, "a trailer field line longer than 8192 bytes");
			if (c->state == ST_TRL_NAME) {
				if (ch == ':')
					c->state = ST_TRL_VALUE;
				else if (!sg_http_is_tchar(ch))
					return cfail(c, i, consumed, "a trailer field name is not a token followed by ':' (RFC 9112 5.1)");
			} else if (!sg_http_is_value_char(ch)) {
				return cfail(c, i, consumed, "a trailer field value holds a control character (RFC 9110 5.5)");
			}
			break;
		case ST_TRL_LF:
			if (ch != '\n')
				return cfail(c, i, consumed, bare_lf);
			if (++c->trailer_len > SG_HTTP_MAX_TRAILER)
				return cfail(c, i, consumed, "a trailer section larger than 16384 bytes");
			c->state = ST_TRL_START;
			break;
		case ST_FINAL_LF:
			if (ch != '\n')
				return cfail(c, i, consumed, bare_lf);
			c->state = ST_DONE;
			*consumed = i + 1;
			return 1;
		default:
			return cfail(c, i, consumed, "internal error: chunked decoder in an unknown state");
		}
		i++;
	}
	*consumed = i;
	return 0;
}
