//! Table provisioning for tests and the local stack: keys, GSIs and TTL, as `template.yaml`
//! declares them for deployed stages.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::sdk_errors::classify;
use crate::port::StoreError;
use crate::tables::{PK, SK, TTL_ATTRIBUTE, Table, TableNames};

/// Creates every table (keys, GSIs, TTL) if absent and waits until each exists. For tests and
/// the local stack pointed at an emulator; deployed stages get their tables from `template.yaml`.
pub async fn create_tables(
    sdk: &rampart_core::aws::SdkConfig,
    names: &TableNames,
) -> Result<(), StoreError> {
    let client = Client::new(sdk);
    for table in Table::ALL {
        let name = names.of(table);
        let mut attrs = vec![PK, SK];
        let mut gsis = Vec::new();
        for index in table.indexes() {
            let (ipk, isk) = index.key_attributes();
            attrs.extend([ipk, isk]);
            gsis.push(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name())
                    .key_schema(key_element(ipk, KeyType::Hash)?)
                    .key_schema(key_element(isk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))?,
            );
        }
        let definitions = attrs
            .iter()
            .map(|a| {
                AttributeDefinition::builder()
                    .attribute_name(*a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let created = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .set_attribute_definitions(Some(definitions))
            .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => continue,
            Err(e) => return Err(classify(e)),
        }
        client
            .wait_until_table_exists()
            .table_name(&name)
            .wait(std::time::Duration::from_secs(60))
            .await
            .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))?,
            )
            .send()
            .await
            .map_err(classify)?;
    }
    Ok(())
}

fn key_element(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| StoreError::Validation(e.to_string()))
}
