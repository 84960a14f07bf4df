# Image of the qvh_migration code location, for Kubernetes (deploy/k8s/) or any container runtime.
# The same image serves the code location (gRPC) and runs each step pod of the k8s_job_executor.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    # Every step pod mounts the same volume here: assets hand over files, not pickled objects.
    QVH_DATA_DIR=/data \
    # Each step (one target-table partition) in its own pod; unset it to run steps in one process.
    QVH_EXECUTOR=k8s

WORKDIR /opt/qvh-migration
# Only what the package needs; .dockerignore keeps real requirement documents and data out.
COPY pyproject.toml README.md ./
COPY qvh_migration ./qvh_migration
COPY crosswalks ./crosswalks
COPY requirement_spec ./requirement_spec
RUN pip install '.[k8s]' && rm -rf build

# Not root: the data volume is writable by group 0, as OpenShift-style clusters expect.
RUN useradd --uid 10001 --gid 0 --no-create-home qvh && mkdir -p /data && chown 10001:0 /data && chmod 2775 /data
USER 10001
WORKDIR /data

EXPOSE 3030
CMD ["dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "3030", "--module-name", "qvh_migration.definitions"]
