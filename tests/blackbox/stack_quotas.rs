//! Every stack of the deployment, after the SAM transform, within 60 % of each CloudFormation
//! quota (`scripts/stack_quotas.py`, run with the pinned translator of the test venv), and the
//! check itself refusing a stack that is over, by name and quota.

use std::path::Path;
use std::process::{Command, Output};

use crate::template_file::root;

fn quotas(template: &Path) -> Output {
    let python = std::env::var("RAMPART_TEST_PYTHON").expect(
        "RAMPART_TEST_PYTHON is not set: run the tests with scripts/test.sh, which installs \
         the SAM translator into the test venv",
    );
    Command::new(python)
        .arg(root().join("scripts/stack_quotas.py"))
        .arg(template)
        .output()
        .unwrap()
}

#[test]
fn every_stack_of_the_deployment_is_within_sixty_percent_of_each_quota() {
    let output = quotas(&root().join("template.yaml"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for (id, ..) in crate::template_file::nested() {
        assert!(stdout.contains(&id), "{id} was measured: {stdout}");
    }
}

#[test]
fn a_stack_over_the_limit_is_named_with_its_quota() {
    let dir = std::env::temp_dir().join(format!("rampart-quotas-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("stacks")).unwrap();
    let mut nested = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nResources:\n",
    );
    for n in 0..301 {
        nested.push_str(&format!("  Topic{n}:\n    Type: AWS::SNS::Topic\n"));
    }
    std::fs::write(dir.join("stacks/big.yaml"), nested).unwrap();
    std::fs::write(
        dir.join("template.yaml"),
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\n\
         Resources:\n  BigStack:\n    Type: AWS::Serverless::Application\n    Properties:\n      \
         Location: stacks/big.yaml\n  Small:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    let output = quotas(&dir.join("template.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!output.status.success());
    assert!(
        stderr.contains("BigStack") && stderr.contains("resources 301") && stderr.contains("60 %"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("root ("),
        "the root is within its quotas: {stderr}"
    );
}
