// Wire format of the messages on the audit event topic.
//
// Producers serialize with serializeAuditEvent and consumers read with
// parseAuditEvent, so both sides reject the same malformed events.

export const AUDIT_TOPIC_PREFIX = "audit-events";
export const AUDIT_SCHEMA_VERSION = 1;

export type AuditOutcome = "succeeded" | "failed";

export interface AuditEvent {
  schemaVersion: typeof AUDIT_SCHEMA_VERSION;
  eventId: string;
  paymentId: string;
  outcome: AuditOutcome;
  amountMinor: number;
  currency: string;
  occurredAt: string;
  // Present exactly when outcome is "failed".
  failureCode?: string;
}

export const REQUIRED_FIELDS = [
  "schemaVersion",
  "eventId",
  "paymentId",
  "outcome",
  "amountMinor",
  "currency",
  "occurredAt",
] as const;

export class AuditContractError extends Error {
  override name = "AuditContractError";
}

// Return the topic name for an environment, matching the Terraform output
// audit_topic_name in infra/terraform/messaging.tf.
export function auditTopicName(environment: string): string {
  return `${AUDIT_TOPIC_PREFIX}-${environment}`;
}

export function validateAuditEvent(event: AuditEvent): void {
  for (const field of REQUIRED_FIELDS) {
    if (event[field] === undefined || event[field] === "") {
      throw new AuditContractError(`audit event is missing field ${field}`);
    }
  }
  if (event.schemaVersion !== AUDIT_SCHEMA_VERSION) {
    throw new AuditContractError(
      `unsupported schemaVersion ${String(event.schemaVersion)}, expected ${AUDIT_SCHEMA_VERSION}`,
    );
  }
  if (!Number.isInteger(event.amountMinor) || event.amountMinor < 0) {
    throw new AuditContractError(
      `amountMinor must be a non-negative integer, got ${event.amountMinor}`,
    );
  }
  if (!/^[A-Z]{3}$/.test(event.currency)) {
    throw new AuditContractError(
      `currency must be an ISO 4217 code such as EUR, got ${event.currency}`,
    );
  }
  if (Number.isNaN(Date.parse(event.occurredAt))) {
    throw new AuditContractError(
      `occurredAt must be an ISO 8601 timestamp, got ${event.occurredAt}`,
    );
  }
  const hasFailureCode = event.failureCode !== undefined && event.failureCode !== "";
  if (event.outcome === "failed" && !hasFailureCode) {
    throw new AuditContractError("a failed payment event needs a failureCode");
  }
  if (event.outcome === "succeeded" && event.failureCode !== undefined) {
    throw new AuditContractError("a succeeded payment event must not carry a failureCode");
  }
}

// Serialize with a fixed key order, so equal events give equal bytes.
export function serializeAuditEvent(event: AuditEvent): string {
  validateAuditEvent(event);
  const ordered: Record<string, unknown> = {};
  for (const field of REQUIRED_FIELDS) {
    ordered[field] = event[field];
  }
  if (event.failureCode !== undefined) {
    ordered.failureCode = event.failureCode;
  }
  return JSON.stringify(ordered);
}

export function parseAuditEvent(payload: string): AuditEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (error) {
    throw new AuditContractError(`audit event is not valid JSON: ${String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AuditContractError("audit event must be a JSON object");
  }
  const event = parsed as AuditEvent;
  validateAuditEvent(event);
  return event;
}
