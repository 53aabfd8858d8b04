import Testing
@testable import AgentCore

/// ECR destinations through the `agent` executable with the real liblaunch-agent-aws.so: registry `ecr`
/// is chosen by the destination's host, its `create` runs at `config validate`, and its pointers come
/// out as FILE:LINE:COL at the value at fault. `agent policy` prints its documents.
@Suite struct ECRConfigCLITests {
    let dir = TestSupport.makeTempDir("la-cli-ecr")

    func validate(_ yaml: String) -> (config: String, status: Int32, output: String) {
        let config = dir + "/launch-config.yaml"
        TestSupport.write(yaml, to: config)
        let r = TestSupport.shell("'\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' --config '\(config)' config validate")
        return (config, r.status, r.output)
    }

    @Test func regionMismatchPointsAtTheEnvironmentRegion() {
        let r = validate("""
            environment:
              type: aws
              region: eu-west-1
            builder:
              type: docker
              destination: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app

            """)
        #expect(r.status == 2)
        #expect(r.output == "\(r.config):3:11: error: registry 'ecr': environment.region is eu-west-1 but the destination's registry is in us-east-1: set region: us-east-1, or push to a repository in eu-west-1\n")
    }

    @Test func malformedDestinationsPointAtTheDestination() {
        let account = validate("builder:\n  type: docker\n  destination: 1234.dkr.ecr.us-east-1.amazonaws.com/app\n")
        #expect(account.status == 2)
        #expect(account.output == "\(account.config):3:16: error: registry 'ecr': the account id '1234' in '1234.dkr.ecr.us-east-1.amazonaws.com' must be 12 digits (your AWS account id, e.g. 123456789012)\n")

        let noRepo = validate("builder:\n  type: docker\n  destination: https://123456789012.dkr.ecr.us-east-1.amazonaws.com\n")
        #expect(noRepo.status == 2)
        #expect(noRepo.output.hasPrefix("\(noRepo.config):3:16: error: registry 'ecr': 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com' names no repository: add one, e.g. "), "\(noRepo.output)")

        let upper = validate("builder:\n  type: docker\n  destination: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/Team/App\"\n")
        #expect(upper.status == 2)
        #expect(upper.output == "\(upper.config):3:16: error: registry 'ecr': the repository name 'Team/App' must be lower-case: use 'team/app'\n")
    }

    /// The host refuses a tag in any destination before a registry is created (the plugin refuses it too,
    /// with the same pointer, when the host does not: ECRPluginHostTests).
    @Test func aTagInTheDestinationPointsAtIt() {
        let r = validate("""
            environment:
              type: aws
              region: us-east-1
            builder:
              type: docker
              destination: https://123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1

            """)
        #expect(r.status == 2)
        #expect(r.output.hasPrefix("\(r.config):6:16: error: "), "\(r.output)")
        #expect(r.output.contains("tag"))
    }

    @Test func aGoodECRConfigValidates() {
        let r = validate("environment:\n  type: aws\n  region: us-east-1\nbuilder:\n  type: docker\n  destination: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app\n")
        #expect(r.status == 0, "\(r.output)")
    }

    @Test func policyPrintsTheECRStatementsForThisRepository() throws {
        let config = dir + "/launch-config.yaml"
        TestSupport.write("environment:\n  type: aws\n  region: us-east-1\nbuilder:\n  type: docker\n  destination: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app\n", to: config)
        let r = TestSupport.shell("'\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' --config '\(config)' policy -o json")
        #expect(r.status == 0, "\(r.output)")
        let result = try JSONValue(parsing: r.output)
        #expect(result == (try JSONValue(parsing: #"""
            {"documents": [{"name": "launch-agent", "format": "aws-iam-policy", "notes": "attach to the IAM role or user the agent runs as",
              "document": {"Version": "2012-10-17", "Statement": [
                {"Sid": "ECRLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
                {"Sid": "ECRPushPull", "Effect": "Allow", "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                  "ecr:CompleteLayerUpload", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
                  "ecr:PutImage", "ecr:UploadLayerPart"], "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/team/app"}]}}]}
            """#)), "\(r.output)")
    }
}
