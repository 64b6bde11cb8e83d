module github.com/goblog/accountservice

go 1.26.8
