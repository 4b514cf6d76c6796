# newswire's services for docker-compose.yml. deploy/ ships inside the image: the index template
# and configs are read from the checkout.
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e . \
 && pip install --no-cache-dir --no-deps --require-hashes -r deploy/models.txt
ENTRYPOINT []
