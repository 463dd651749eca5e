# syntax=docker/dockerfile:1
# One image per module of this repository, chosen by build argument:
#   docker build --build-arg MODULE=ingest-service -t triplane/ingest-service .
# MODULE is the module folder (ingest-service, axis-worker, fusion-service, metrics-service, infra); JAR is the
# file under MODULE/target to run (a shell pattern): the services' Boot jars are named after their folder, infra's
# runnable jar is its Provision main (topics and bucket from layout.json), see infra/README.md.
# A GPU worker (docs/deploy.md, GPU): --build-arg MODULE=axis-worker --build-arg MAVEN_PROFILES=gpu
# --build-arg RUNTIME=gpu-runtime builds with ONNX Runtime's CUDA build on a CUDA 12 + cuDNN 9 base.
ARG RUNTIME=cpu-runtime

FROM maven:3.9.11-eclipse-temurin-17 AS build
ARG MODULE
ARG JAR=${MODULE}.jar
ARG MAVEN_PROFILES=
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds of the five images, so dependencies download once.
RUN --mount=type=cache,target=/root/.m2 \
    test -n "${MODULE}" || { echo "build with --build-arg MODULE=<module folder>" >&2; exit 1; }; \
    mvn -B -q ${MAVEN_PROFILES:+-P ${MAVEN_PROFILES}} -pl "${MODULE}" -am package -Dmaven.test.skip=true \
    && mkdir -p /out && cp ${MODULE}/target/${JAR} /out/app.jar

FROM eclipse-temurin:17.0.16_8-jre AS cpu-runtime

# The CUDA libraries ONNX Runtime 1.28's CUDA provider links against, with the same JRE as the CPU image.
FROM nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04 AS gpu-runtime
COPY --from=cpu-runtime /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH

FROM ${RUNTIME}
ARG MODULE
WORKDIR /app
COPY --from=build /out/app.jar /app/${MODULE}.jar
COPY --chmod=755 infra/docker/healthcheck.sh /usr/local/bin/healthcheck
# A fixed name lets the exec-form entrypoint run any module's jar without a shell in between. /data is for
# state that a volume keeps (fusion's Kafka Streams state); a named volume takes this folder's owner.
RUN ln -s /app/${MODULE}.jar /app/app.jar \
    && useradd --system --uid 10001 triplane \
    && mkdir /data && chown triplane /data
USER triplane
# JAVA_TOOL_OPTIONS (read by the JVM itself) takes extra flags, e.g. -XX:MaxRAMPercentage=75.
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
