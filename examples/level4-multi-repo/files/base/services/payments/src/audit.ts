// Audit publisher: turns payment outcomes into contract events on the topic.

import {
  type AuditEvent,
  AUDIT_SCHEMA_VERSION,
  auditTopicName,
  serializeAuditEvent,
} from "@level4/contracts/audit";

// Transport to the message broker. Production code passes a broker client.
export interface TopicPublisher {
  publish(topic: string, payload: string): Promise<void>;
}

export interface PaymentRecord {
  paymentId: string;
  amountMinor: number;
  currency: string;
}

export interface AuditPublisherOptions {
  environment: string;
  now?: () => Date;
  newEventId?: () => string;
}

export class AuditPublisher {
  private readonly topic: string;
  private readonly now: () => Date;
  private readonly newEventId: () => string;

  constructor(
    private readonly publisher: TopicPublisher,
    options: AuditPublisherOptions,
  ) {
    this.topic = auditTopicName(options.environment);
    this.now = options.now ?? (() => new Date());
    this.newEventId = options.newEventId ?? (() => crypto.randomUUID());
  }

  async paymentSucceeded(payment: PaymentRecord): Promise<AuditEvent> {
    return this.emit({ ...this.baseEvent(payment), outcome: "succeeded" });
  }

  async paymentFailed(payment: PaymentRecord, failureCode: string): Promise<AuditEvent> {
    return this.emit({ ...this.baseEvent(payment), outcome: "failed", failureCode });
  }

  private baseEvent(payment: PaymentRecord): Omit<AuditEvent, "outcome"> {
    return {
      schemaVersion: AUDIT_SCHEMA_VERSION,
      eventId: this.newEventId(),
      paymentId: payment.paymentId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      occurredAt: this.now().toISOString(),
    };
  }

  private async emit(event: AuditEvent): Promise<AuditEvent> {
    await this.publisher.publish(this.topic, serializeAuditEvent(event));
    return event;
  }
}
