// Webhooks in and out: the public surface for the composition root and the HTTP routes.
export { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions, retryDelay, type TickResult } from './delivery.ts';
export { createWebhookFanoutConsumer, deliveryId, renderPayload, WebhookFanout, type WebhookFanoutConsumer, type WebhookEnvelope } from './fanout.ts';
export { applyMapping, type Mapping, type MappedItem, readPath } from './inbound/mappings.ts';
export { checkSignature, inboundDedupCollection, InboundWebhooks, type InboundResult, type InboundWebhookOptions } from './inbound/receiver.ts';
export { defaultSourcesFile, type InboundSource, loadInboundSources, parseInboundSources } from './inbound/sources.ts';
export { generateSecret, secretBytes, signHeaders, signature, verifyWebhook, type VerifyResult } from './signature.ts';
export { checkWebhookUrl, type Subscription, subscriptionCollection, SubscriptionService, type SubscriptionView, subscriptionMatches } from './subscriptions.ts';
