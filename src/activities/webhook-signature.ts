import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one POST (https://www.standardwebhooks.com). */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs deliveries per the Standard Webhooks specification with every secret of WEBHOOK_SECRET: while a secret is
 * rotated both sign, the signatures space-separated, and a receiver that knows either one verifies the message.
 */
export class WebhookSigner {
  private readonly signers: Webhook[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('at least one webhook secret is needed');
    this.signers = secrets.map((secret) => new Webhook(secret));
  }

  /** `id` is the occurrence's stable key (the same on every attempt), `body` exactly the bytes sent. */
  headers(id: string, body: string, at: Date): SignatureHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.signers.map((signer) => signer.sign(id, at, body)).join(' '),
    };
  }
}
