/* The helpers of the plinth.cfg parser's tests; see config_fixture.h. */
#include "tests/support/config_fixture.h"

int parse(const char *text, struct plinth_config *cfg, char *err, size_t errlen)
{
	return config_parse(text, strlen(text), NAME, cfg, err, errlen);
}

char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}
