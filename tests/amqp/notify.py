"""Sends notifications with oslo.messaging's Notifier, as OpenStack services do.

Nova and Glance build a Notifier on the notification transport and call
``notifier.prepare(publisher_id=...).info(context, event_type, payload)``;
the polling agent calls ``notifier.sample({}, 'telemetry.polling',
{'samples': [...]})``. This script does exactly that for every JSON line on
stdin: ``{"publisher_id", "event_type", "priority", "payload", "ctxt"}``.

Usage: notify.py --url amqp://guest:guest@127.0.0.1:5672/ --exchange glance
                 --topic notifications [--durable]
"""

import argparse
import json
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")

from oslo_config import cfg
from oslo_context import context as oslo_context
import oslo_messaging


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--exchange", required=True,
                        help="the control exchange (the service's project)")
    parser.add_argument("--topic", default="notifications",
                        help="[oslo_messaging_notifications] topics")
    parser.add_argument("--durable", action="store_true",
                        help="[oslo_messaging_rabbit] amqp_durable_queues")
    args = parser.parse_args()

    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf_file:
        conf_file.write("[oslo_messaging_rabbit]\n")
        conf_file.write("amqp_durable_queues = %s\n" % args.durable)
        conf_file.flush()
        conf = cfg.ConfigOpts()
        oslo_messaging.set_transport_defaults(control_exchange=args.exchange)
        conf(["--config-file", conf_file.name], project="nephometer-test")
        # oslo.messaging names its RabbitMQ driver `rabbit`.
        url = args.url.replace("amqp://", "rabbit://", 1)
        transport = oslo_messaging.get_notification_transport(conf, url=url)
        notifier = oslo_messaging.Notifier(
            transport, driver="messagingv2", topics=[args.topic],
            publisher_id="test.producer")
        sent = 0
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            n = json.loads(line)
            prepared = notifier.prepare(publisher_id=n["publisher_id"])
            send = getattr(prepared, n.get("priority", "info").lower())
            # Services pass their RequestContext; oslo packs it as `_context_*` keys.
            ctxt = n.get("ctxt") or {}
            if ctxt:
                ctxt = oslo_context.RequestContext.from_dict(ctxt)
            send(ctxt, n["event_type"], n["payload"])
            sent += 1
        transport.cleanup()
    print(sent)


if __name__ == "__main__":
    main()
