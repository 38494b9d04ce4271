#!/usr/bin/python3
# What a sender does with a domain's MTA-STS policy, in the words of postfix-mta-sts-resolver (Debian's
# package, the policy resolver Postfix sites use): its STSResolver, asked for each domain, one JSON line each.
#   python3 sts-resolver-query.py DOMAIN...
# It resolves through /etc/resolv.conf and trusts the CA in $SSL_CERT_FILE: apps/cli/test/interop-mta-sts.test.ts
# runs it in a mount namespace where that file names the test's DNS server.
import asyncio
import json
import sys

from postfix_mta_sts_resolver.resolver import STSResolver


async def main(domains):
    resolver = STSResolver(loop=asyncio.get_running_loop(), timeout=4)
    for domain in domains:
        result, found = await resolver.resolve(domain)
        line = {'domain': domain, 'result': result.name}
        if found is not None:
            policy_id, policy = found
            line.update(id=policy_id, mode=policy.get('mode'), mx=policy.get('mx'), max_age=policy.get('max_age'))
        print(json.dumps(line), flush=True)


asyncio.run(main(sys.argv[1:]))
