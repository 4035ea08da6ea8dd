import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../../lib/config/index.js';
import { withAlertTopic } from '../../../lib/workflow/runtime.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:freezer-dr-prod-alerts';
const base = { cloud: { from: 'env' } };
const channels = (raw: Record<string, unknown>) => parseConfig(raw, 'test').notification.channels;

describe('the stack alert topic (FREEZER_DR_ALERT_TOPIC_ARN)', () => {
  test('becomes an SNS channel by default, so summaries and gate alerts reach its subscribers', () => {
    expect(channels(withAlertTopic(base, TOPIC))).toEqual([{ driver: 'sns', topicArn: TOPIC }]);
  });
  test('notification.alertTopic: false turns it off; no variable, no channel; never twice', () => {
    expect(channels(withAlertTopic({ ...base, notification: { alertTopic: false } }, TOPIC))).toEqual([]);
    expect(channels(withAlertTopic(base, undefined))).toEqual([]);
    const own = { ...base, notification: { channels: [{ driver: 'sns', topicArn: TOPIC }] } };
    expect(channels(withAlertTopic(own, TOPIC))).toHaveLength(1);
  });
});
