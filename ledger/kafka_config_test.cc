#include "ledger/kafka_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

namespace fs = std::filesystem;

TEST(KafkaConfigTest, KeyValueLinesWithCommentsAndBlankLines) {
  auto c = ParseKafkaConfig(
      "# the ingest user\n"
      "\n"
      "security.protocol=SASL_SSL\n"
      "   ! a Java-properties comment too\n"
      "  sasl.mechanisms =  SCRAM-SHA-512  \r\n"
      "\t\n"
      "sasl.username=ingest\n",
      "ingest.properties");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->properties.size(), 3u);
  EXPECT_EQ(c->file, "ingest.properties");
  EXPECT_EQ(c->properties[0].key, "security.protocol");
  EXPECT_EQ(c->properties[0].value, "SASL_SSL");
  EXPECT_EQ(c->properties[0].origin, "ingest.properties:3");
  EXPECT_EQ(c->properties[1].key, "sasl.mechanisms");
  EXPECT_EQ(c->properties[1].value, "SCRAM-SHA-512");
  EXPECT_EQ(c->properties[1].origin, "ingest.properties:5");
  EXPECT_EQ(c->properties[2].value, "ingest");
}

TEST(KafkaConfigTest, AValueMayContainEqualsSigns) {
  auto c = ParseKafkaConfig("sasl.password=a=b==c\nssl.ca.location=/x/ca.pem\n", "f");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->properties.size(), 2u);
  EXPECT_EQ(c->properties[0].key, "sasl.password");
  EXPECT_EQ(c->properties[0].value, "a=b==c");
}

TEST(KafkaConfigTest, AnEmptyValueIsAValue) {
  auto c = ParseKafkaConfig("client.rack=\n", "f");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->properties.size(), 1u);
  EXPECT_EQ(c->properties[0].value, "");
}

TEST(KafkaConfigTest, NothingButCommentsIsNoProperties) {
  auto c = ParseKafkaConfig("# nothing\n\n", "f");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
}

TEST(KafkaConfigTest, ABadLineIsNamedWithItsNumber) {
  auto c = ParseKafkaConfig("# ok\nsecurity.protocol=SASL_SSL\n\nsasl.username ingest\n", "/etc/enrol/k.properties");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("/etc/enrol/k.properties:4"), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("expected key=value"), std::string::npos) << c.status();
}

TEST(KafkaConfigTest, APropertyWithoutANameIsABadLine) {
  auto c = ParseKafkaConfig("a=b\n =value\n", "f");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("f:2"), std::string::npos) << c.status();
}

TEST(KafkaConfigTest, BrokersAndGroupBelongToTheirFlags) {
  auto brokers = ParseKafkaConfig("bootstrap.servers=h:1\n", "f");
  ASSERT_FALSE(brokers.ok());
  EXPECT_NE(brokers.status().message().find("--brokers"), std::string::npos) << brokers.status();
  auto group = ParseKafkaConfig("\ngroup.id=x\n", "f");
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.status().message().find("f:2: group.id is set by --group"), std::string::npos) << group.status();
}

class KafkaConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv(kKafkaConfigEnv); }
  void TearDown() override { ::unsetenv(kKafkaConfigEnv); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  TestDir tmp_{"kafka-config"};
  fs::path dir_ = tmp_.path();
};

TEST_F(KafkaConfigFileTest, AMissingFileIsNamed) {
  const std::string path = (dir_ / "absent.properties").string();
  auto c = ReadKafkaConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find(path), std::string::npos) << c.status();
  auto loaded = LoadKafkaConfig(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(path), std::string::npos);
}

TEST_F(KafkaConfigFileTest, TheFlagElseTheEnvironmentElseNothing) {
  const std::string flag = Write("flag.properties", "client.id=from-flag\n");
  const std::string env = Write("env.properties", "client.id=from-env\n");
  auto none = LoadKafkaConfig("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ::setenv(kKafkaConfigEnv, env.c_str(), 1);
  auto from_env = LoadKafkaConfig("");
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  ASSERT_EQ(from_env->properties.size(), 1u);
  EXPECT_EQ(from_env->properties[0].value, "from-env");
  EXPECT_EQ(from_env->file, env);
  auto from_flag = LoadKafkaConfig(flag);
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->properties[0].value, "from-flag");
}

TEST_F(KafkaConfigFileTest, APropertyLibrdkafkaRefusesIsNamedWithItsMessage) {
  const std::string path = Write("bad.properties", "security.protocol=SASL_SSL\nsasl.mechanismz=SCRAM-SHA-512\n");
  auto c = LoadKafkaConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(absl::StrCat(path, ":2")), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("sasl.mechanismz"), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("No such configuration property"), std::string::npos) << c.status();
  const std::string value = Write("value.properties", "security.protocol=carrier-pigeon\n");
  auto v = LoadKafkaConfig(value);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("security.protocol"), std::string::npos) << v.status();
  EXPECT_NE(v.status().message().find("Invalid value"), std::string::npos) << v.status();
}

TEST_F(KafkaConfigFileTest, AppliedOnAConfigurationTheLaterKeyWins) {
  auto c = ParseKafkaConfig("client.id=first\nclient.id=second\nsecurity.protocol=SASL_SSL\n", "f");
  ASSERT_TRUE(c.ok());
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  conf->set("client.id", "enrol", err);  // a built-in default, overridden
  ASSERT_TRUE(ApplyKafkaConfig(*c, conf.get()).ok());
  std::string value;
  conf->get("client.id", value);
  EXPECT_EQ(value, "second");
  conf->get("security.protocol", value);
  EXPECT_EQ(value, "sasl_ssl");
  rd_kafka_conf_t* raw = rd_kafka_conf_new();
  EXPECT_TRUE(ApplyKafkaConfig(*c, raw).ok());
  rd_kafka_conf_destroy(raw);
}

}  // namespace
}  // namespace enrol
