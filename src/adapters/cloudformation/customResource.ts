import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/**
 * A Lambda-backed CloudFormation custom resource: CloudFormation sends Create, Update and Delete
 * events and waits for the answer at the event's pre-signed S3 URL (`ResponseURL`), not for the
 * function's return value. A FAILED answer fails the stack operation (and rolls it back); no
 * answer at all leaves it waiting until the resource's `ServiceTimeout`.
 */

/** The answer's `Reason` is shown in the stack's events; the whole answer must stay under 4 KB. */
const MAX_REASON_LENGTH = 1000;

export function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  if (!event || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return ['Create', 'Update', 'Delete'].includes(String(e['RequestType'])) && typeof e['ResponseURL'] === 'string' && typeof e['StackId'] === 'string';
}

export interface CustomResourceWork {
  /** Create and Update: the work; its result becomes the answer's `Data` (strings, as `Fn::GetAtt` reads them). */
  readonly apply: () => Promise<Record<string, string>>;
  /** The resource's id in the stack; kept across updates, so CloudFormation never sees a replacement. */
  readonly physicalResourceId: string;
}

/**
 * Does the work for the event and answers CloudFormation: SUCCESS with the work's data, or FAILED
 * with the error's message. A Delete does nothing and succeeds (also after a failed Create, which
 * CloudFormation follows with a Delete on rollback). Throws only when the answer cannot be sent.
 */
export async function answerCustomResource(event: CloudFormationCustomResourceEvent, work: CustomResourceWork): Promise<CloudFormationCustomResourceResponse> {
  const base = { PhysicalResourceId: work.physicalResourceId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response: CloudFormationCustomResourceResponse;
  try {
    const data = event.RequestType === 'Delete' ? {} : await work.apply();
    response = { Status: 'SUCCESS', ...base, Data: data };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    response = { Status: 'FAILED', Reason: reason.slice(0, MAX_REASON_LENGTH), ...base };
  }
  // The URL is signed without a content type: send none.
  const answer = await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(response) });
  if (!answer.ok) throw new Error(`CloudFormation did not take the custom resource's answer: HTTP ${answer.status}`);
  return response;
}
