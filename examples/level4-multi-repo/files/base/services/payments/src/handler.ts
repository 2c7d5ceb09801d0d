// Payment handler: charges through the gateway and records the outcome.

import type { AuditPublisher, PaymentRecord } from "./audit.ts";

export interface ChargeResult {
  approved: boolean;
  // Gateway decline or error code, set when approved is false.
  code?: string;
}

export interface PaymentGateway {
  charge(payment: PaymentRecord): Promise<ChargeResult>;
}

export interface PaymentResponse {
  paymentId: string;
  status: "succeeded" | "failed";
  failureCode?: string;
}

export async function handlePayment(
  payment: PaymentRecord,
  gateway: PaymentGateway,
  audit: AuditPublisher,
): Promise<PaymentResponse> {
  let result: ChargeResult;
  try {
    result = await gateway.charge(payment);
  } catch {
    // A gateway that cannot be reached still leaves an audit trail.
    result = { approved: false, code: "gateway_unavailable" };
  }

  if (result.approved) {
    await audit.paymentSucceeded(payment);
    return { paymentId: payment.paymentId, status: "succeeded" };
  }

  const failureCode = result.code ?? "declined";
  await audit.paymentFailed(payment, failureCode);
  return { paymentId: payment.paymentId, status: "failed", failureCode };
}
