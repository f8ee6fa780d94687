# Sends events to a collector with the Ruby tracker that GitLab's backend wraps
# (Debian's ruby-snowplow-tracker 0.6.1), the way Gitlab::Tracking calls it: namespace
# "gl", a structured event with the standard client_session entity and a self-describing
# com.gitlab event, once with a GET emitter and once with a POST emitter.
#
#   ruby send.rb HOST:PORT SELF_DESCRIBING_SCHEMA
#
# Prints "sent N" and exits 0 when the collector accepted every request.
require 'snowplow-tracker'
require 'logger'

SnowplowTracker::LOGGER.level = Logger::WARN

endpoint, schema = ARGV
abort "usage: ruby send.rb HOST:PORT SCHEMA" if endpoint.nil? || schema.nil?
host, port = endpoint.split(':')

failures = []
sent = 0
on_success = ->(n) { sent += n }
on_failure = ->(n, unsent) { sent += n; failures.concat(unsent) }

session = SnowplowTracker::SelfDescribingJson.new(
  'iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2',
  {
    userId: 'b7e3d8f0-6a9c-4c1e-9d2b-3f4a5b6c7d8e',
    sessionId: '0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a',
    sessionIndex: 3,
    previousSessionId: 'c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f',
    storageMechanism: 'SQLITE',
    firstEventId: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b'
  }
)

%w[get post].each do |method|
  emitter = SnowplowTracker::Emitter.new(host, {
    protocol: 'http', port: port.to_i, method: method,
    on_success: on_success, on_failure: on_failure
  })
  tracker = SnowplowTracker::Tracker.new(emitter, SnowplowTracker::Subject.new, 'gl', 'gitlab')
  tracker.track_struct_event('projects', "create_#{method}", 'label', 'property', 2.5, [session])
  tracker.track_self_describing_event(
    SnowplowTracker::SelfDescribingJson.new(schema, { 'action' => "merge_#{method}", 'count' => 7 }),
    [session]
  )
  tracker.flush
end

unless failures.empty?
  warn "the collector refused #{failures.size} events: #{failures.inspect}"
  exit 1
end
puts "sent #{sent}"
