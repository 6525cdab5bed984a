//! SDK errors as store errors: what a retry may cure, what the request got wrong, the rest.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use super::convert::from_ddb_item;
use crate::port::StoreError;

pub(super) fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(text)
        }
        SdkError::ServiceError(service) => match service.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "ThrottlingException"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "ResourceNotFoundException",
            ) => StoreError::Unavailable(text),
            Some("ValidationException") => StoreError::Validation(text),
            _ => StoreError::Internal(text),
        },
        _ => StoreError::Internal(text),
    }
}

pub(super) fn condition_failed(item: Option<&HashMap<String, AttributeValue>>) -> StoreError {
    StoreError::ConditionFailed {
        existing: item.and_then(|i| from_ddb_item(i).ok()).map(Box::new),
    }
}
