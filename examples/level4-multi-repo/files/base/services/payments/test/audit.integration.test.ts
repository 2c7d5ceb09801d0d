// Integration path: payment handler -> audit publisher -> topic contract.
// The topic is an in-memory publisher, and every payload is read back with
// the consumer's parser from the contracts package.

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseAuditEvent, REQUIRED_FIELDS } from "@level4/contracts/audit";

import { AuditPublisher, type PaymentRecord, type TopicPublisher } from "../src/audit.ts";
import { handlePayment, type PaymentGateway } from "../src/handler.ts";

interface PublishedMessage {
  topic: string;
  payload: string;
}

class MemoryTopic implements TopicPublisher {
  readonly messages: PublishedMessage[] = [];

  async publish(topic: string, payload: string): Promise<void> {
    this.messages.push({ topic, payload });
  }
}

const PAYMENT: PaymentRecord = { paymentId: "pay_123", amountMinor: 4200, currency: "EUR" };
const FIXED_TIME = new Date("2026-02-10T12:00:00.000Z");

function makePublisher(topic: MemoryTopic): AuditPublisher {
  let counter = 0;
  return new AuditPublisher(topic, {
    environment: "staging",
    now: () => FIXED_TIME,
    newEventId: () => `evt_${++counter}`,
  });
}

function gatewayReturning(approved: boolean, code?: string): PaymentGateway {
  return { charge: async () => ({ approved, code }) };
}

test("successful payment emits one event with every required field", async () => {
  const topic = new MemoryTopic();

  const response = await handlePayment(PAYMENT, gatewayReturning(true), makePublisher(topic));

  assert.equal(response.status, "succeeded");
  assert.equal(topic.messages.length, 1);
  assert.equal(topic.messages[0].topic, "audit-events-staging");
  const event = parseAuditEvent(topic.messages[0].payload);
  for (const field of REQUIRED_FIELDS) {
    assert.notEqual(event[field], undefined, `missing ${field}`);
  }
  assert.equal(event.outcome, "succeeded");
  assert.equal(event.paymentId, "pay_123");
  assert.equal(event.amountMinor, 4200);
  assert.equal(event.occurredAt, "2026-02-10T12:00:00.000Z");
  assert.equal(event.failureCode, undefined);
});

test("declined payment emits an event with the gateway failure code", async () => {
  const topic = new MemoryTopic();

  const response = await handlePayment(
    PAYMENT,
    gatewayReturning(false, "card_declined"),
    makePublisher(topic),
  );

  assert.equal(response.status, "failed");
  assert.equal(response.failureCode, "card_declined");
  const event = parseAuditEvent(topic.messages[0].payload);
  assert.equal(event.outcome, "failed");
  assert.equal(event.failureCode, "card_declined");
});

test("unreachable gateway emits a failure event", async () => {
  const topic = new MemoryTopic();
  const gateway: PaymentGateway = {
    charge: async () => {
      throw new Error("connection refused");
    },
  };

  const response = await handlePayment(PAYMENT, gateway, makePublisher(topic));

  assert.equal(response.status, "failed");
  const event = parseAuditEvent(topic.messages[0].payload);
  assert.equal(event.failureCode, "gateway_unavailable");
});

test("payload keeps a fixed key order", async () => {
  const topic = new MemoryTopic();

  await handlePayment(PAYMENT, gatewayReturning(false, "expired_card"), makePublisher(topic));

  const keys = Object.keys(JSON.parse(topic.messages[0].payload) as object);
  assert.deepEqual(keys, [...REQUIRED_FIELDS, "failureCode"]);
});

test("invalid currency is rejected before publishing", async () => {
  const topic = new MemoryTopic();
  const payment: PaymentRecord = { ...PAYMENT, currency: "euro" };

  await assert.rejects(
    handlePayment(payment, gatewayReturning(true), makePublisher(topic)),
    /currency must be an ISO 4217 code/,
  );
  assert.equal(topic.messages.length, 0);
});
